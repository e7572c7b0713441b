%% Savina actor benchmarks in Erlang: the reference figures Troupe's own Savina suite is held to.
%% Run as `erl +S 1 -noshell -pa DIR -run savina main NAME ARG... -s init stop`; each run prints
%% one JSON line {"name", "value" (messages or spawns per second), "messages", "elapsed_us"}.
%% A smaller untimed warm-up precedes each timed message benchmark, so allocator carriers and the
%% process table are grown before the clock starts.
-module(savina).
-export([main/1]).

main([Name | Args]) ->
    Ints = [list_to_integer(A) || A <- Args],
    Bench = list_to_atom(Name),
    warmup(Bench, Ints),
    {Messages, Us} = run(Bench, Ints),
    Value = Messages * 1.0e6 / max(1, Us),
    io:format("{\"name\":\"~s\",\"value\":~.1f,\"messages\":~b,\"elapsed_us\":~b}~n",
              [Name, Value, Messages, Us]).

warmup(spawn, [N]) -> run(spawn, [max(1, N div 100)]);
warmup(Bench, [N]) -> run(Bench, [max(1, N div 10)]);
warmup(Bench, [Actors, N]) -> run(Bench, [Actors, max(1, N div 10)]).

now_us() -> erlang:monotonic_time(microsecond).

%% PingPong: N round trips between two processes; 2 messages per round trip.
run(pingpong, [N]) ->
    Main = self(),
    Pong = spawn_link(fun pong/0),
    Ping = spawn_link(fun() -> receive go -> ping(Pong, N), Main ! {done, self()} end end),
    T0 = now_us(),
    Ping ! go,
    receive {done, Ping} -> ok end,
    T1 = now_us(),
    Pong ! stop,
    {2 * N, T1 - T0};

%% Counting: a producer sends N increments to a counter, then asks it for the count.
run(counting, [N]) ->
    Main = self(),
    Counter = spawn_link(fun() -> counter(0) end),
    Producer = spawn_link(fun() ->
        receive go -> ok end,
        send_incs(Counter, N),
        Counter ! {get, self()},
        receive {count, N} -> Main ! {done, self()} end
    end),
    T0 = now_us(),
    Producer ! go,
    receive {done, Producer} -> ok end,
    T1 = now_us(),
    {N, T1 - T0};

%% ThreadRing: a token passed N times around a ring of Actors processes.
run(threadring, [Actors, N]) ->
    Main = self(),
    Ring = [spawn_link(fun() -> receive {next, Next} -> ring_node(Next, Main) end end)
            || _ <- lists:seq(1, Actors)],
    [First | _] = Ring,
    lists:foreach(fun({P, Next}) -> P ! {next, Next} end,
                  lists:zip(Ring, tl(Ring) ++ [First])),
    T0 = now_us(),
    First ! {token, N},
    receive ring_done -> ok end,
    T1 = now_us(),
    [P ! stop || P <- Ring],
    {N, T1 - T0};

%% Fork-Join (throughput): N rounds of one message to each of Actors workers, each doing
%% Savina's small trigonometric computation per message.
run(forkjoin, [Actors, N]) ->
    Main = self(),
    Workers = [spawn_link(fun() -> fj_worker(0, N, Main) end) || _ <- lists:seq(1, Actors)],
    T0 = now_us(),
    fj_send(Workers, N),
    fj_wait(Actors),
    T1 = now_us(),
    {Actors * N, T1 - T0};

%% Spawn: N processes that stay alive (blocked in receive) until all are spawned; the spawning
%% alone is timed. Needs +P above N.
run(spawn, [N]) ->
    T0 = now_us(),
    Pids = spawn_n(N, []),
    T1 = now_us(),
    [P ! die || P <- Pids],
    {N, T1 - T0}.

pong() ->
    receive
        {ping, From} -> From ! pong, pong();
        stop -> ok
    end.

ping(_, 0) -> ok;
ping(Pong, N) ->
    Pong ! {ping, self()},
    receive pong -> ping(Pong, N - 1) end.

counter(C) ->
    receive
        inc -> counter(C + 1);
        {get, From} -> From ! {count, C}
    end.

send_incs(_, 0) -> ok;
send_incs(Counter, N) -> Counter ! inc, send_incs(Counter, N - 1).

ring_node(Next, Main) ->
    receive
        {token, 0} -> Main ! ring_done, ring_node(Next, Main);
        {token, H} -> Next ! {token, H - 1}, ring_node(Next, Main);
        stop -> ok
    end.

fj_worker(N, N, Main) -> Main ! fj_done;
fj_worker(Count, N, Main) ->
    receive
        {work, Theta} ->
            S = math:sin(Theta + Count),
            R = S * S,
            %% The check keeps the computation live, as Savina's does.
            true = R >= 0.0,
            fj_worker(Count + 1, N, Main)
    end.

fj_send(_, 0) -> ok;
fj_send(Workers, N) ->
    fj_send_round(Workers, 37.2),
    fj_send(Workers, N - 1).

fj_send_round([], _) -> ok;
fj_send_round([W | Ws], Theta) -> W ! {work, Theta}, fj_send_round(Ws, Theta).

fj_wait(0) -> ok;
fj_wait(K) -> receive fj_done -> fj_wait(K - 1) end.

spawn_n(0, Acc) -> Acc;
spawn_n(N, Acc) -> spawn_n(N - 1, [spawn(fun() -> receive die -> ok end end) | Acc]).
