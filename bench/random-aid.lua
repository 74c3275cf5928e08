-- wrk script: GET /sql/<random account id> so the SQL route and pgbench read the same rows.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/sql/" .. math.random(1, 100000))
end
