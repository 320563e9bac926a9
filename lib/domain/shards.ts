/**
 * A stable shard for an id (FNV-1a, mod `shards`): the same in every process and run, and even over
 * ids like `cus_<uuid>`. Write-sharding spreads one hot key's writes over `shards` keys by it: the
 * day-keyed indexes (occasion-keys.ts) and the campaign counters rows (measurement/campaign-stats.ts).
 */
export function stableShard(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
