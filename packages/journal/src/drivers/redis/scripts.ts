/**
 * The Lua scripts the Redis store runs. Every change that touches more than one key is one script,
 * so Redis applies it atomically: two nodes binding different backends of one session, appending
 * to one stream or deleting a session under an append never see each other half done. Scripts
 * reply with arrays, strings and integers only (the same under RESP2 and RESP3, so any client fits
 * the seam). Pure: text only.
 *
 * Keys (all under the driver's `keyPrefix`, `P` below; the prefix comes in as ARGV[1]):
 *   P session:<id>            hash: the session (see session-hash.ts); PEXPIRE'd past its expiry
 *   P sessions                zset: session id by createdAt (export by time, listSessions)
 *   P session-expiry          zset: session id by expiresAt (expireSessions); never-expiring ones absent
 *   P session-streams:<id>    set: the streams tied to the session (deleted with it)
 *   P stream:<id>             stream: events, entry id `<seq>-0`, fields t (time) and d (data)
 *   P stream-meta:<id>        hash: last (highest seq issued), session, updated (time), bytes
 *   P stream-updated          zset: stream id by time of its last append (idle streams)
 *   P event-times             zset: `<streamId> <seq, 15 digits>` by time (age / size retention, export)
 *   P audit                   stream: audit entries, entry id `<id>-0`, fields j (JSON), n (bytes),
 *                             t (time) and, for a session's entry, s (its id) — what queryAudit filters
 *                             on without decoding j (entries written before t existed are decoded)
 *   P audit-seq               counter: the last audit id
 *   P audit-times             zset: audit id (15 digits) by time
 *   P bytes                   counter: payload bytes held (event data, audit request + response)
 *   P lease:<id>              hash: the session's owner (node, url, epoch); PEXPIRE'd to the lease's end
 *   P lease-epoch:<id>        counter: the session's last epoch (kept a day past the last claim or renewal)
 *
 * A write of a session may carry a fence: the epoch of the lease its process claimed. It is refused
 * (the script changes nothing and says so) when the session's epoch has moved on since — another
 * node took the session over while this one was paused.
 *
 * Scripts compute their keys from the prefix instead of declaring them in KEYS: that is fine on a
 * standalone Redis / Valkey (or a cluster when the prefix carries a hash tag such as `{sy}:`,
 * which puts every key of the journal in one slot).
 */

const PRELUDE = `
local P = ARGV[1]
local function num(n) return string.format('%.17g', n) end
local function evmember(sid, seq) return sid .. ' ' .. string.format('%015d', seq) end
local function field(list, name)
  for i = 1, #list, 2 do if list[i] == name then return list[i + 1] end end
  return nil
end
local function hset_from(key, from)
  for i = from, #ARGV, 200 do
    redis.call('HSET', key, unpack(ARGV, i, math.min(i + 199, #ARGV)))
  end
end
-- Whether a write of session sid fenced with epoch fence ('' for none) must be refused: the
-- session changed hands since that epoch was claimed.
local function fenced(sid, fence)
  if fence == '' or sid == '' then return false end
  local epoch = redis.call('GET', P .. 'lease-epoch:' .. sid)
  return epoch ~= false and tonumber(epoch) ~= tonumber(fence)
end
-- Deletes one event (an XRANGE entry) and its bookkeeping.
local function drop_entry(sid, entry)
  local size = #(field(entry[2], 'd') or '')
  local seq = tonumber(string.match(entry[1], '^(%d+)'))
  redis.call('XDEL', P .. 'stream:' .. sid, entry[1])
  redis.call('ZREM', P .. 'event-times', evmember(sid, seq))
  redis.call('HINCRBY', P .. 'stream-meta:' .. sid, 'bytes', -size)
  redis.call('DECRBY', P .. 'bytes', size)
end
-- Deletes a stream with its events; the number of events it held, or nil when it did not exist.
local function drop_stream(sid)
  local key, meta = P .. 'stream:' .. sid, P .. 'stream-meta:' .. sid
  local m = redis.call('HMGET', meta, 'last', 'session', 'bytes')
  redis.call('ZREM', P .. 'stream-updated', sid)
  if not m[1] then
    redis.call('DEL', key)
    return nil
  end
  local n = redis.call('XLEN', key)
  if n > 0 then
    local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
    local lo, hi = tonumber(string.match(first[1][1], '^(%d+)')), tonumber(m[1])
    local batch = {}
    for seq = lo, hi do
      batch[#batch + 1] = evmember(sid, seq)
      if #batch == 500 then
        redis.call('ZREM', P .. 'event-times', unpack(batch))
        batch = {}
      end
    end
    if #batch > 0 then redis.call('ZREM', P .. 'event-times', unpack(batch)) end
  end
  redis.call('DECRBY', P .. 'bytes', tonumber(m[3] or '0'))
  if m[2] then redis.call('SREM', P .. 'session-streams:' .. m[2], sid) end
  redis.call('DEL', key, meta)
  return n
end
-- Deletes a session and its streams: { existed (0/1), streams, events }.
local function drop_session(id)
  local existed = redis.call('DEL', P .. 'session:' .. id)
    + redis.call('ZREM', P .. 'session-expiry', id)
    + redis.call('ZREM', P .. 'sessions', id)
  local set = P .. 'session-streams:' .. id
  local streams, events = 0, 0
  for _, sid in ipairs(redis.call('SMEMBERS', set)) do
    local n = drop_stream(sid)
    if n then
      streams = streams + 1
      events = events + n
    end
  end
  redis.call('DEL', set)
  return { existed > 0 and 1 or 0, streams, events }
end
local function drop_audit(member)
  local id = tonumber(member)
  local entry = redis.call('XRANGE', P .. 'audit', id .. '-0', id .. '-0')
  redis.call('ZREM', P .. 'audit-times', member)
  if not entry[1] then return 0 end
  redis.call('XDEL', P .. 'audit', id .. '-0')
  redis.call('DECRBY', P .. 'bytes', tonumber(field(entry[1][2], 'n') or '0'))
  return 1
end
`;

/** ARGV: P, id, pexpireMs | '', createdAt, expiresAt | '', field, value, … → 1, or 0 when the id is taken. */
const insertSession = `
local id = ARGV[2]
local key = P .. 'session:' .. id
if redis.call('EXISTS', key) == 1 then return 0 end
hset_from(key, 6)
redis.call('ZADD', P .. 'sessions', ARGV[4], id)
if ARGV[5] ~= '' then
  redis.call('ZADD', P .. 'session-expiry', ARGV[5], id)
  redis.call('PEXPIRE', key, ARGV[3])
end
return 1
`;

/** ARGV: P, id → the session hash as a flat field/value array (empty when missing). */
const getSession = `
return redis.call('HGETALL', P .. 'session:' .. ARGV[2])
`;

/**
 * ARGV: P, start, stop → the hashes (flat field/value arrays, empty where the key is gone) of the
 * sessions at ranks start … stop of `sessions`, newest created first: one round trip per page.
 */
const listSessions = `
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', P .. 'sessions', ARGV[2], ARGV[3])) do
  out[#out + 1] = redis.call('HGETALL', P .. 'session:' .. id)
end
return out
`;

/**
 * ARGV: P, id, now, touch ('1' | '0'), graceMs, fence | '', then triples (set|del, field, value).
 * The session after the patch as a flat array, or nil when it is missing or expired at `now`
 * (an expired session stays dead: the same rule as `applySessionPatch`); 'fenced' when refused.
 */
const updateSession = `
local id, now = ARGV[2], tonumber(ARGV[3])
if fenced(id, ARGV[6]) then return 'fenced' end
local key = P .. 'session:' .. id
local h = redis.call('HMGET', key, 'id', 'ttlMs', 'expiresAt')
if not h[1] then return nil end
if h[3] and h[3] ~= '' and now >= tonumber(h[3]) then return nil end
if ARGV[4] == '1' then
  redis.call('HSET', key, 'lastSeenAt', ARGV[3])
  if h[2] and h[2] ~= '' then
    local ttl = tonumber(h[2])
    local expires = num(now + ttl)
    redis.call('HSET', key, 'expiresAt', expires)
    redis.call('ZADD', P .. 'session-expiry', expires, id)
    redis.call('PEXPIRE', key, string.format('%d', math.ceil(math.max(ttl, 1) + tonumber(ARGV[5]))))
  end
end
for i = 7, #ARGV, 3 do
  if ARGV[i] == 'set' then redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2])
  else redis.call('HDEL', key, ARGV[i + 1]) end
end
return redis.call('HGETALL', key)
`;

/** ARGV: P, id, fence | '' → 1 when the session existed; -1 when refused. */
const deleteSession = `
if fenced(ARGV[2], ARGV[3] or '') then return -1 end
return drop_session(ARGV[2])[1]
`;

/** ARGV: P, now, batch → { sessions, streams, events, more (0/1) }. */
const expireSessions = `
local ids = redis.call('ZRANGEBYSCORE', P .. 'session-expiry', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local sessions, streams, events = 0, 0, 0
for _, id in ipairs(ids) do
  local r = drop_session(id)
  sessions = sessions + r[1]
  streams = streams + r[2]
  events = events + r[3]
end
return { sessions, streams, events, #ids == tonumber(ARGV[3]) and 1 or 0 }
`;

/**
 * ARGV: P, streamId, sessionId | '', time, data, maxEventsPerStream | '', fence | '' → the event's
 * seq; -1 when refused.
 */
const appendEvent = `
if fenced(ARGV[3], ARGV[7] or '') then return -1 end
local sid, time = ARGV[2], ARGV[4]
local key, meta = P .. 'stream:' .. sid, P .. 'stream-meta:' .. sid
local seq = redis.call('HINCRBY', meta, 'last', 1)
local size = #ARGV[5]
redis.call('XADD', key, seq .. '-0', 't', time, 'd', ARGV[5])
redis.call('HSET', meta, 'updated', time)
redis.call('HINCRBY', meta, 'bytes', size)
redis.call('INCRBY', P .. 'bytes', size)
if ARGV[3] ~= '' and redis.call('HSETNX', meta, 'session', ARGV[3]) == 1 then
  redis.call('SADD', P .. 'session-streams:' .. ARGV[3], sid)
end
redis.call('ZADD', P .. 'stream-updated', time, sid)
redis.call('ZADD', P .. 'event-times', time, evmember(sid, seq))
if ARGV[6] ~= '' then
  local over = redis.call('XLEN', key) - tonumber(ARGV[6])
  if over > 0 then
    for _, entry in ipairs(redis.call('XRANGE', key, '-', '+', 'COUNT', over)) do drop_entry(sid, entry) end
  end
end
return seq
`;

/** ARGV: P, streamId, afterSeq, limit → nil (unknown stream) or { lastSeq, firstId | false, entries }. */
const readEvents = `
local last = redis.call('HGET', P .. 'stream-meta:' .. ARGV[2], 'last')
if not last then return nil end
local key = P .. 'stream:' .. ARGV[2]
local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
local events = redis.call('XRANGE', key, '(' .. ARGV[3] .. '-0', '+', 'COUNT', ARGV[4])
return { last, first[1] and first[1][1] or false, events }
`;

/** ARGV: P, members … → for each event still kept: { streamId, seq, time, data } (export by time). */
const fetchEvents = `
local out = {}
for i = 2, #ARGV do
  local sid, seq = string.match(ARGV[i], '^(.*) 0*(%d+)$')
  local entry = redis.call('XRANGE', P .. 'stream:' .. sid, seq .. '-0', seq .. '-0')
  if entry[1] then
    out[#out + 1] = { sid, seq, field(entry[1][2], 't'), field(entry[1][2], 'd') }
  end
end
return out
`;

/** ARGV: P, time, JSON, payload bytes, session id | '' → the entry's id. */
const appendAudit = `
local id = redis.call('INCR', P .. 'audit-seq')
if ARGV[5] ~= '' then
  redis.call('XADD', P .. 'audit', id .. '-0', 'j', ARGV[3], 'n', ARGV[4], 't', ARGV[2], 's', ARGV[5])
else
  redis.call('XADD', P .. 'audit', id .. '-0', 'j', ARGV[3], 'n', ARGV[4], 't', ARGV[2])
end
redis.call('ZADD', P .. 'audit-times', ARGV[2], string.format('%015d', id))
redis.call('INCRBY', P .. 'bytes', tonumber(ARGV[4]))
return id
`;

/**
 * ARGV: P, afterId, limit, scan, sessionId | '', since | '', until | '' → { last id read, more (0/1),
 * id, j, id, j, … }: the entries after afterId that match, at most limit, reading at most scan
 * entries (so one call never holds Redis long; the caller goes on from the last id read).
 */
const queryAudit = `
local last = tonumber(ARGV[2])
local limit, scan = tonumber(ARGV[3]), tonumber(ARGV[4])
local sid = ARGV[5]
local since = ARGV[6] ~= '' and tonumber(ARGV[6]) or nil
local till = ARGV[7] ~= '' and tonumber(ARGV[7]) or nil
local out = { 0, 1 }
local found, read = 0, 0
while read < scan and found < limit do
  local entries = redis.call('XRANGE', P .. 'audit', '(' .. last .. '-0', '+', 'COUNT', math.min(100, scan - read))
  if #entries == 0 then out[2] = 0 break end
  for _, e in ipairs(entries) do
    read = read + 1
    last = tonumber(string.match(e[1], '^(%d+)'))
    local f = e[2]
    local j = field(f, 'j')
    local t, s = field(f, 't'), field(f, 's')
    if t == nil then
      local r = cjson.decode(j)
      t = r.time
      s = type(r.sessionId) == 'string' and r.sessionId or nil
    end
    t = tonumber(t)
    if (sid == '' or s == sid) and (since == nil or t >= since) and (till == nil or t < till) then
      out[#out + 1] = last
      out[#out + 1] = j
      found = found + 1
      if found >= limit then break end
    end
  end
end
out[1] = last
return out
`;

/** ARGV: P, cutoff, batch → { events, audit, more (0/1) }: what is older than cutoff, a batch at a time. */
const retainAge = `
local batch = tonumber(ARGV[3])
local events, audit = 0, 0
local members = redis.call('ZRANGEBYSCORE', P .. 'event-times', '-inf', '(' .. ARGV[2], 'LIMIT', 0, batch)
for _, m in ipairs(members) do
  local sid, seq = string.match(m, '^(.*) 0*(%d+)$')
  local entry = redis.call('XRANGE', P .. 'stream:' .. sid, seq .. '-0', seq .. '-0')
  if entry[1] then
    drop_entry(sid, entry[1])
    events = events + 1
  else
    redis.call('ZREM', P .. 'event-times', m)
  end
end
local ids = redis.call('ZRANGEBYSCORE', P .. 'audit-times', '-inf', '(' .. ARGV[2], 'LIMIT', 0, batch)
for _, m in ipairs(ids) do audit = audit + drop_audit(m) end
return { events, audit, (#members == batch or #ids == batch) and 1 or 0 }
`;

/**
 * ARGV: P, cutoff, offset, batch → { streams deleted, kept, more (0/1) }: streams without events
 * whose last append is older than cutoff. A stream that still has events is skipped (`offset`
 * moves past it), so the caller's loop ends.
 */
const retainIdleStreams = `
local batch = tonumber(ARGV[4])
local sids = redis.call('ZRANGEBYSCORE', P .. 'stream-updated', '-inf', '(' .. ARGV[2], 'LIMIT', tonumber(ARGV[3]), batch)
local deleted, kept = 0, 0
for _, sid in ipairs(sids) do
  if redis.call('XLEN', P .. 'stream:' .. sid) == 0 then
    drop_stream(sid)
    deleted = deleted + 1
  else
    kept = kept + 1
  end
end
return { deleted, kept, #sids == batch and 1 or 0 }
`;

/**
 * ARGV: P, maxBytes, batch → { events, audit, more (0/1) }: deletes the oldest events and audit
 * entries (by time; on a tie the event first) until the payload bytes fit, at most a batch.
 */
const retainBytes = `
local max, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
local events, audit = 0, 0
while budget > 0 and tonumber(redis.call('GET', P .. 'bytes') or '0') > max do
  local e = redis.call('ZRANGE', P .. 'event-times', 0, 0, 'WITHSCORES')
  local a = redis.call('ZRANGE', P .. 'audit-times', 0, 0, 'WITHSCORES')
  if not e[1] and not a[1] then break end
  if e[1] and (not a[1] or tonumber(e[2]) <= tonumber(a[2])) then
    local sid, seq = string.match(e[1], '^(.*) 0*(%d+)$')
    local entry = redis.call('XRANGE', P .. 'stream:' .. sid, seq .. '-0', seq .. '-0')
    if entry[1] then
      drop_entry(sid, entry[1])
      events = events + 1
    else
      redis.call('ZREM', P .. 'event-times', e[1])
    end
  else
    audit = audit + drop_audit(a[1])
  end
  budget = budget - 1
end
return { events, audit, budget == 0 and 1 or 0 }
`;

/** ARGV: P, session id, node, url, ttlMs, takeFrom ('' for none) → { mine 0|1, node, url, epoch }. */
const claimLease = `
local key, sid = P .. 'lease:' .. ARGV[2], ARGV[2]
local cur = redis.call('HMGET', key, 'node', 'url', 'epoch')
if cur[1] and cur[1] ~= ARGV[3] and cur[1] ~= ARGV[6] then
  return { 0, cur[1], cur[2], tonumber(cur[3]) }
end
if cur[1] == ARGV[3] then
  redis.call('HSET', key, 'url', ARGV[4])
  redis.call('PEXPIRE', key, ARGV[5])
  return { 1, cur[1], ARGV[4], tonumber(cur[3]) }
end
local epochKey = P .. 'lease-epoch:' .. sid
local epoch = redis.call('INCR', epochKey)
redis.call('PEXPIRE', epochKey, 86400000)
redis.call('HSET', key, 'node', ARGV[3], 'url', ARGV[4], 'epoch', epoch)
redis.call('PEXPIRE', key, ARGV[5])
return { 1, ARGV[3], ARGV[4], epoch }
`;

/** ARGV: P, node, ttlMs, session ids … → the ids the node no longer holds. */
const renewLeases = `
local lost = {}
for i = 4, #ARGV do
  local key = P .. 'lease:' .. ARGV[i]
  if redis.call('HGET', key, 'node') == ARGV[2] then
    redis.call('PEXPIRE', key, ARGV[3])
    redis.call('PEXPIRE', P .. 'lease-epoch:' .. ARGV[i], 86400000)
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
`;

/** ARGV: P, session id, node → 1 when released. */
const releaseLease = `
local key = P .. 'lease:' .. ARGV[2]
if redis.call('HGET', key, 'node') == ARGV[3] then
  redis.call('DEL', key)
  return 1
end
return 0
`;

/** ARGV: P, session id → { node, url, epoch } or {}. */
const getLease = `
local cur = redis.call('HMGET', P .. 'lease:' .. ARGV[2], 'node', 'url', 'epoch')
if not cur[1] then return {} end
return { cur[1], cur[2], tonumber(cur[3]) }
`;

export const SCRIPTS = {
  insertSession,
  getSession,
  listSessions,
  updateSession,
  deleteSession,
  expireSessions,
  appendEvent,
  readEvents,
  fetchEvents,
  appendAudit,
  queryAudit,
  retainAge,
  retainIdleStreams,
  retainBytes,
  claimLease,
  renewLeases,
  releaseLease,
  getLease,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** The full text of a script: the shared functions, then its body. */
export function scriptSource(name: ScriptName): string {
  return PRELUDE + SCRIPTS[name];
}
