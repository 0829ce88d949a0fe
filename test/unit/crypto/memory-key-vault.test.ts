import { createMemoryKeyVault } from '../../../src/crypto/memory-key-vault.js';
import { keyVaultContract } from './key-vault-contract.js';

keyVaultContract('memory', createMemoryKeyVault);
