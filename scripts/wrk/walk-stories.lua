-- wrk: GET $PREFIX followed by every story id of the file $IDS in turn, and
-- stop once each has been answered: a warm-up that fills the page cache
-- (-d is then only a cap). Each wrk thread walks from the first id, so walk
-- with one thread (-t1).
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local prefix = os.getenv("PREFIX")
local i = 0
local answered = 0
request = function()
  i = i % #ids + 1
  return wrk.format("GET", prefix .. ids[i])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= #ids then wrk.thread:stop() end
end
