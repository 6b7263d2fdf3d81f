#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A connection that heals itself.  A migration-like change applied while
# FastCGI workers deliver (the ingest function dropped and created again
# with another result type) fails at most the delivery in flight.  A
# connection whose state the server says is wrong (here: 0A000, "cached
# plan must not change result type", raised for the workers' sessions
# only) is dropped and the delivery runs once more on a new one: no
# worker answers 500 for it.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-heal
new_db
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi missing"
LOAD="$top_builddir/tests/tools/fcgi-load"
[ -x "$LOAD" ] || bail "$LOAD not built (make check builds it)"
W="a b c"
N=400		# deliveries per worker

trap 'stop_workers; cleanup' EXIT
printf '{"event":{"id":"@ID@","action":"update","showing":{"uid":"h@ID@","name":"n@ID@"}}}' \
	>"$TMPD/tmpl"
fivehundreds() {	# fivehundreds: per worker, the 500s in its log
	for w in $W; do
		printf '%s ' "$(grep -c 'status=500' "$TMPD/$w.log")"
	done
}

for w in $W; do start_worker "$w"; done

# The change, while three clients deliver through three workers.  So
# that it certainly comes while a delivery is in flight, whatever the
# machine's speed, a trigger holds event $HELD at its insert until a gate
# opens (pg_stat_activity shows it waiting); the change is made
# meanwhile, then the gate opens and the delivery goes on.
HELD=$((N + N / 2))
sql "create table public.gate (open boolean);
	create function public.gate() returns trigger language plpgsql as \$\$
	begin
		if new.id = '$HELD' then
			loop
				exit when exists (select 1 from public.gate);
				perform pg_sleep(0.02);
			end loop;
		end if;
		return new;
	end \$\$;
	create trigger gate before insert on showmojo.events
	for each row execute function public.gate()" >/dev/null ||
	bail "could not create the gate"
n=0
loaders=
for w in $W; do
	"$LOAD" "$TMPD/$w.sock" "$SHOWMOJO_TOKENS" "$TMPD/tmpl" $N $((n * N + 1)) \
		>"$TMPD/$w.load" &
	loaders="$loaders $!"
	n=$((n + 1))
done
wait_sql 120 "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
	AND application_name = 'showmojo-webhook' AND wait_event = 'PgSleep'" \
	>/dev/null
waited=$?
at=$(sql "select count(*) from showmojo.events")
sql "do \$\$
	declare def text := pg_get_functiondef('showmojo.ingest(jsonb, integer)'::regprocedure);
	begin
		drop function showmojo.ingest(jsonb, integer);
		execute replace(def, 'RETURNS text', 'RETURNS character varying');
	end \$\$" >/dev/null || bail "could not replace ingest"
sql "insert into public.gate values (true)" >/dev/null
wait $loaders
sql "drop trigger gate on showmojo.events; drop function public.gate();
	drop table public.gate" >/dev/null
ok "$waited" "the change came while a delivery was in flight (event $HELD waiting; $at of $((3 * N)) stored)"
is "$(sql "select format_type(prorettype, null) from pg_proc where proname = 'ingest'")" \
	"character varying" "ingest now returns another type"
cat "$TMPD"/?.load | sed 's/^/# /'
failed=$(cat "$TMPD"/?.load | awk '{ s += $NF } END { print s }')
ok "$(( failed > 1 ))" "at most the delivery in flight failed ($failed of $((3 * N)))"
ok "$(fivehundreds | tr ' ' '\n' | awk '$1 > 1 { bad = 1 } END { print bad + 0 }')" \
	"no worker answered 500 twice (500s per worker: $(fivehundreds))"
is "$(sql "select count(*) from showmojo.events")" "$((3 * N - failed))" \
	"every delivery answered 200 is stored, once"

# Sessions the server says are in a wrong state: each worker's current
# connection (by backend pid) fails with 0A000; a new one does not.
sql "create table public.poisoned (pid int primary key);
	create function public.poison() returns trigger language plpgsql as \$\$
	begin
		if exists (select 1 from public.poisoned where pid = pg_backend_pid()) then
			raise exception 'cached plan must not change result type'
				using errcode = '0A000';
		end if;
		return new;
	end \$\$;
	create trigger poison before insert on showmojo.events
	for each row execute function public.poison()" >/dev/null
sql "insert into public.poisoned select pid from pg_stat_activity
	where application_name = 'showmojo-webhook' and datname = current_database()" >/dev/null
echo "# poisoned sessions: $(sql "select string_agg(pid::text, ',') from public.poisoned")"
for w in $W; do : >"$TMPD/$w.log"; done
n=0
statuses=
for w in $W; do
	"$LOAD" "$TMPD/$w.sock" "$SHOWMOJO_TOKENS" "$TMPD/tmpl" 3 $((2000 + n * 10)) \
		>"$TMPD/$w.load"
	statuses="$statuses$(cat "$TMPD/$w.load"); "
	n=$((n + 1))
done
is "$statuses" "$(for w in $W; do printf 'sent 3, status 200: 3, other: 0; '; done)" \
	"each worker, its connection's state wrong: 3 deliveries, all 200"
is "$(fivehundreds)" "0 0 0 " "no 500 at all"
for w in $W; do
	grep -q "0A000: cached plan must not change result type (the connection's state is wrong" "$TMPD/$w.log" ||
		echo "# worker $w: no 0A000 in its log"
done
is "$(cat "$TMPD"/?.log | grep -c '0A000')" 3 "each worker met 0A000 once, then ran on a new connection"
is "$(sql "select count(*) from pg_stat_activity where application_name = 'showmojo-webhook'
	and datname = current_database() and pid in (select pid from public.poisoned)")" 0 \
	"no worker keeps a connection in the wrong state"

done_testing
