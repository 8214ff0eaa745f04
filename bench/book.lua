-- Each request books a different (practitioner, day, time): no two requests in a run contend.
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
  slots_per_day = 32 -- follow-ups, 09:00-17:00 every 15 minutes
end

function request()
  local i = n
  n = n + step
  local practitioner = i % practitioners
  local slot = math.floor(i / practitioners)
  local day = first_day_epoch + math.floor(slot / slots_per_day) * 86400
  local minutes = 9 * 60 + (slot % slots_per_day) * 15
  local body = string.format(
    '{"patient_name":"Bench Patient","appointment_type":"follow-up","practitioner":"bench-%02d",' ..
    '"date":"%s","start_time":"%02d:%02d"}',
    practitioner, os.date("!%Y-%m-%d", day), math.floor(minutes / 60), minutes % 60)
  return wrk.format("POST", "/api/calendly/book", {["Content-Type"] = "application/json"}, body)
end
