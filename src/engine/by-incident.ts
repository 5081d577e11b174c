/** Groups a batch by incident: each incident has its own evidence chain. */
export function byIncident<T extends { step: { incidentId: string } }>(list: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of list) m.set(x.step.incidentId, [...(m.get(x.step.incidentId) ?? []), x]);
  return m;
}
