-- Plain GET requests; prints the 95th percentile latency, which wrk's own summary leaves out.
function done(summary, latency, requests)
  io.write(string.format("p95 %d us\n", latency:percentile(95)))
end
