# The TraceSummary fields xrtop prints, computed by jq from a BatchGetTraces
# file (the baseline of bench/load-bench.sh).  Annotations are gathered from
# every segment and subsegment, as xrtop does.
def subsegs: .subsegments[]? | (., subsegs);
.Traces[]
| [.Segments[].Document | fromjson] as $docs
| ([$docs[] | (., subsegs)]) as $all
| ([$docs[] | select(.parent_id == null and (.inferred | not))] | min_by(.start_time)) as $root
| {
    Id: .Id,
    StartTime: ([$all[].start_time | select(. != null)] | min),
    Duration: (([$all[].end_time | select(. != null)] | max) - ([$all[].start_time | select(. != null)] | min)),
    ResponseTime: (if $root.end_time then $root.end_time - $root.start_time else null end),
    HasFault: ($root.fault // false),
    HasError: ($root.error // false),
    HasThrottle: ([$all[].throttle // false] | any),
    IsPartial: ([$all[].in_progress // false] | any),
    Http: {HttpURL: $root.http.request.url, HttpStatus: $root.http.response.status,
           HttpMethod: $root.http.request.method, UserAgent: $root.http.request.user_agent,
           ClientIp: $root.http.request.client_ip},
    Annotations: ([$all[] | .annotations // {} | to_entries[]]
                  | group_by(.key) | map({key: .[0].key, value: (map(.value) | unique)}) | from_entries)
  }
