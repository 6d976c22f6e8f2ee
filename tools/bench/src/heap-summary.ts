import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'

/** What a heap snapshot of a server holding idle connections says about memory per connection. */
export interface HeapSummary {
  server: string
  file: string
  connections: number
  /** JavaScript heap (self sizes of every object), in bytes, and per connection. */
  totalBytes: number
  perConnectionBytes: number
  /** The kinds of objects that weigh most, per connection (count and bytes divided by the connections). */
  top: { kind: string; perConnection: number; bytesPerConnection: number }[]
  /**
   * Closure scopes kept once per connection (or more): the variables each holds. A variable there that the
   * connection no longer needs (a parsed query, a request's decision) is memory every connection pays for.
   */
  contexts: { variables: string; count: number }[]
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/**
 * Reads a V8 heap snapshot (`node --heapsnapshot-signal`) and sums self sizes by kind of object (its
 * constructor, or its V8 type for strings, arrays, code...), divided by the number of open connections.
 */
export async function summarizeHeap(file: string, server: string, connections: number): Promise<HeapSummary> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as Snapshot
  const { node_fields, node_types, edge_fields, edge_types } = snap.snapshot.meta
  const types = node_types[0]
  const edgeTypes = edge_types[0]
  const fields = node_fields.length
  const edgeFieldCount = edge_fields.length
  const at = { type: node_fields.indexOf('type'), name: node_fields.indexOf('name') }
  const size = node_fields.indexOf('self_size')
  const edgeCount = node_fields.indexOf('edge_count')
  const edgeAt = { type: edge_fields.indexOf('type'), name: edge_fields.indexOf('name_or_index') }
  const { nodes, edges, strings } = snap
  const kinds = new Map<string, { count: number; bytes: number }>()
  const scopes = new Map<string, number>()
  let total = 0
  let edgeIndex = 0
  for (let node = 0; node < nodes.length; node += fields) {
    const type = types[nodes[node + at.type] as number] as string
    const name = strings[nodes[node + at.name] as number] as string
    const bytes = nodes[node + size] as number
    total += bytes
    const kind = type === 'object' || type === 'closure' ? `${type} ${name}` : type
    const entry = kinds.get(kind) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += bytes
    kinds.set(kind, entry)
    const count = nodes[node + edgeCount] as number
    if (name === 'system / Context') {
      const variables: string[] = []
      for (let e = edgeIndex; e < edgeIndex + count * edgeFieldCount; e += edgeFieldCount) {
        if (edgeTypes[edges[e + edgeAt.type] as number] === 'context')
          variables.push(strings[edges[e + edgeAt.name] as number] as string)
      }
      const key = variables.sort().join(', ')
      if (key !== '') scopes.set(key, (scopes.get(key) ?? 0) + 1)
    }
    edgeIndex += count * edgeFieldCount
  }
  return {
    server,
    file: basename(file),
    connections,
    totalBytes: total,
    perConnectionBytes: total / connections,
    top: [...kinds.entries()]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, 15)
      .map(([kind, { count, bytes }]) => ({
        kind,
        perConnection: count / connections,
        bytesPerConnection: bytes / connections,
      })),
    contexts: [...scopes.entries()]
      .filter(([, count]) => count >= connections * 0.9)
      .sort((a, b) => b[1] - a[1])
      .map(([variables, count]) => ({ variables, count })),
  }
}
