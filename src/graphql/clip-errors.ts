import { GraphQLError, type ExecutionResult } from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';
import { clipText } from '../../domain/text.js';

/** Longest quoted value an error message repeats, and longest message. */
const maxQuoted = 200;
const maxMessage = 2000;

const quotedValue = /"(?:[^"\\]|\\.)*"/g;
/** A cut escape sequence (`\`, `\u00`) left at the end of a clipped value. */
const cutEscape = /\\(?:u[0-9a-fA-F]{0,3})?$/;

/**
 * `message` with every quoted value longer than {@link maxQuoted} shortened and marked `…`: GraphQL
 * and our own messages quote the offending value (a 5 MB id, a date-time), and the answer should not
 * repeat it whole.
 */
export const clipQuotedValues = (message: string): string => {
  if (message.length <= maxQuoted) return message;
  const clipped = message.replace(quotedValue, (q) =>
    q.length <= maxQuoted ? q : `${clipText(q, maxQuoted).replace(cutEscape, '')}…"`,
  );
  return clipped.length <= maxMessage ? clipped : `${clipText(clipped, maxMessage)}…`;
};

const clipped = (e: GraphQLError): GraphQLError => {
  const message = clipQuotedValues(e.message);
  return message === e.message
    ? e
    : new GraphQLError(message, {
        nodes: e.nodes,
        source: e.source,
        positions: e.positions,
        path: e.path,
        originalError: e.originalError,
        extensions: e.extensions,
      });
};

/** Shortens the values error messages quote (see {@link clipQuotedValues}). */
export const useClippedErrors = (): Plugin => ({
  onExecutionResult: (payload) => {
    const { result } = payload;
    if (!result || Symbol.asyncIterator in result) return;
    const { errors } = result as ExecutionResult;
    if (errors?.some((e) => e.message.length > maxQuoted))
      payload.setResult({ ...(result as ExecutionResult), errors: errors.map(clipped) });
  },
});
