/** The driver's words for a `localDataCenter` that none of the contact points is in. */
const UNKNOWN_DATACENTER =
  /^localDataCenter was configured as '.*', but only found hosts in data centers: (.*)$/s;

const firstLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/**
 * One line saying why the Cassandra driver could not connect to `contactPoints`, from the reason
 * each host gave (the driver's own message carries a stack trace and an inspected object).
 */
export const cassandraConnectError = (
  contactPoints: readonly string[],
  localDataCenter: string,
  cause: unknown,
): Error => {
  const at = contactPoints.join(',');
  const inner = (cause as { innerErrors?: unknown } | null)?.innerErrors;
  const reasons =
    inner !== null && typeof inner === 'object'
      ? Object.entries(inner).map(([host, e]) => ({ host, message: firstLine(e) }))
      : [];
  const datacenters = reasons
    .map((r) => UNKNOWN_DATACENTER.exec(r.message)?.[1])
    .find((d) => d !== undefined);
  if (datacenters !== undefined)
    return new Error(
      `Cassandra at ${at} has no data center '${localDataCenter}' (GOUVERNAIL_CASSANDRA_DATACENTER); its hosts are in ${datacenters}`,
      { cause },
    );
  const why =
    reasons.length > 0
      ? reasons.map((r) => `${r.host}: ${r.message}`).join('; ')
      : firstLine(cause);
  return new Error(`cannot reach Cassandra at ${at}: ${why}`, { cause });
};
