-- Each request books (or holds) a different (practitioner, day, time): no two requests in a run contend.
-- Each comes from its own client address (X-Forwarded-For, with DJANGO_NUM_PROXIES=1), as many patients
-- booking once each do, so the per-client throttles run at their real rates and never refuse.
-- The first request of each thread is numbered by the thread, then every thread steps by the thread count.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = tonumber(tid)
  step = tonumber(args[1])
  first_day_epoch = tonumber(args[2])
  practitioners = tonumber(args[3])
  path = args[4] -- /api/calendly/book or /api/calendly/holds
  slots_per_day = 40 -- follow-ups, 08:00-18:00 every 15 minutes (generate_clinic's hours)
end

function request()
  local i = n
  n = n + step
  local practitioner = i % practitioners
  local slot = math.floor(i / practitioners)
  local day = first_day_epoch + math.floor(slot / slots_per_day) * 86400
  local minutes = 8 * 60 + (slot % slots_per_day) * 15
  local body = string.format(
    '{"appointment_type":"follow-up","practitioner":"bench-%02d","date":"%s","start_time":"%02d:%02d"',
    practitioner, os.date("!%Y-%m-%d", day), math.floor(minutes / 60), minutes % 60)
  if path == "/api/calendly/book" then
    -- With an e-mail address: the confirmation is queued in the outbox with the booking.
    body = body .. string.format(',"patient_name":"Bench Patient","patient_email":"patient%d@example.org"', i)
  end
  local client = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  local headers = {["Content-Type"] = "application/json", ["X-Forwarded-For"] = client}
  return wrk.format("POST", path, headers, body .. "}")
end

function done(summary, latency, requests)
  io.write(string.format("p95 %d us\n", latency:percentile(95)))
end
