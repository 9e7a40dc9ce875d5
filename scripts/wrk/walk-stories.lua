-- wrk: GET $PREFIX followed by every story id of the file $IDS in turn,
-- then around again: a warm-up that fills the page cache. Each wrk thread
-- walks from the first id, so walk with one thread (-t1).
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local prefix = os.getenv("PREFIX")
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format("GET", prefix .. ids[i])
end
