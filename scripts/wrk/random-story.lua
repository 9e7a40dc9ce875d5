-- wrk: GET $PREFIX followed by a random story id from the file $IDS (one
-- id a line), the same sequence every run. Used by scripts/bench-serve.sh
-- and scripts/bench-scale-out.sh.
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local prefix = os.getenv("PREFIX")
math.randomseed(42)
request = function()
  return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
