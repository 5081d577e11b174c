/**
 * An RFC 7009/7662 server has no API to list a subject's tokens, so discovery finds nothing;
 * the engine takes this connector's artifacts from `sever incident add-artifact`.
 */
import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';

export async function discover(_subject: SubjectRef): Promise<DiscoveredArtifact[]> {
  return [];
}
