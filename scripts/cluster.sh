# A three-node RabbitMQ cluster from the broker's Debian tree, beside the single broker, and an
# HAProxy in front of it; sourced by scripts/broker (`scripts/broker cluster ...`).
#
#   node N (1..3): rabbit-N@localhost, stream port 556N, AMQP 570N, management 1570N,
#   Erlang distribution 2570N, data and logs in /var/lib/rabbitmq/cluster/rabbit-N and
#   /var/log/rabbitmq/cluster/rabbit-N inside the tree; every node advertises localhost and
#   its own stream port. HAProxy (Debian's package, on the host) listens on 127.0.0.1:5560.
#   Everything binds to 127.0.0.1; epmd is the tree's, on 127.0.0.1 too.

CLUSTER_NODES="1 2 3"
LB_PORT=5560
HAPROXY_DIR="$CACHE/haproxy"

node_name() { echo "rabbit-$1@localhost"; }
node_stream_port() { echo $((5560 + $1)); }

in_node() {
  # $1: the node; then a command run inside the tree as that node.
  local n=$1
  shift
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/rabbitmq \
    LANG=C.UTF-8 ERL_EPMD_ADDRESS=$HOST \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=$HOST RABBITMQ_NODE_PORT=$((5700 + n)) \
    RABBITMQ_DIST_PORT=$((25700 + n)) \
    RABBITMQ_CONFIG_FILE="/etc/rabbitmq/cluster/rabbit-$n.conf" \
    RABBITMQ_MNESIA_BASE="/var/lib/rabbitmq/cluster/rabbit-$n" \
    RABBITMQ_LOG_BASE="/var/log/rabbitmq/cluster/rabbit-$n" \
    RABBITMQ_PID_FILE="/var/lib/rabbitmq/cluster/rabbit-$n.pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$@"
}

write_node_config() {
  local n=$1 port
  port=$(node_stream_port "$n")
  mkdir -p "$ROOT/etc/rabbitmq/cluster" "$ROOT/var/lib/rabbitmq/cluster/rabbit-$n" \
    "$ROOT/var/log/rabbitmq/cluster/rabbit-$n"
  chroot "$ROOT" chown -R rabbitmq:rabbitmq /var/lib/rabbitmq/cluster /var/log/rabbitmq/cluster
  cat >"$ROOT/etc/rabbitmq/cluster/rabbit-$n.conf" <<CONF
listeners.tcp.1 = $HOST:$((5700 + n))
stream.listeners.tcp.1 = $HOST:$port
management.tcp.ip = $HOST
management.tcp.port = $((15700 + n))
stream.advertised_host = localhost
stream.advertised_port = $port
loopback_users = none
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = rabbit-1@localhost
cluster_formation.classic_config.nodes.2 = rabbit-2@localhost
cluster_formation.classic_config.nodes.3 = rabbit-3@localhost
CONF
}

node_running() { port_open "$(node_stream_port "$1")"; }

start_node() {
  local n=$1 i
  node_running "$n" && return 0
  write_node_config "$n"
  in_node "$n" rabbitmq-server -detached >/dev/null 2>&1
  for i in $(seq 1 240); do
    node_running "$n" && break
    sleep 0.5
  done
  node_running "$n" || { log "node $n never opened its stream port"; return 1; }
  in_node "$n" rabbitmqctl -n "$(node_name "$n")" await_startup >/dev/null
}

stop_node() {
  local n=$1 i
  node_running "$n" || return 0
  # shutdown returns once the Erlang VM has exited: a start right after cannot find it running.
  in_node "$n" rabbitmqctl -n "$(node_name "$n")" shutdown >/dev/null 2>&1 || true
  for i in $(seq 1 60); do
    node_running "$n" || return 0
    sleep 0.5
  done
  log "node $n did not stop"
  return 1
}

join_cluster() {
  # Classic-config peer discovery clusters nodes that start together; a node that came up
  # alone (an earlier run's data, a slow start) is joined to rabbit-1 here.
  local n
  for n in 2 3; do
    if ! in_node 1 rabbitmqctl -n rabbit-1@localhost cluster_status 2>/dev/null \
        | grep -q "rabbit-$n@localhost"; then
      log "joining node $n to the cluster"
      in_node "$n" rabbitmqctl -n "$(node_name "$n")" stop_app >/dev/null
      in_node "$n" rabbitmqctl -n "$(node_name "$n")" reset >/dev/null
      in_node "$n" rabbitmqctl -n "$(node_name "$n")" join_cluster rabbit-1@localhost >/dev/null
      in_node "$n" rabbitmqctl -n "$(node_name "$n")" start_app >/dev/null
    fi
  done
}

start_haproxy() {
  command -v haproxy >/dev/null || { apt-get update -qq; apt-get install -y -qq haproxy >/dev/null; }
  mkdir -p "$HAPROXY_DIR"
  if [ -f "$HAPROXY_DIR/pid" ] && kill -0 "$(cat "$HAPROXY_DIR/pid")" 2>/dev/null; then
    return 0
  fi
  cat >"$HAPROXY_DIR/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend streams
    bind $HOST:$LB_PORT
    default_backend nodes
backend nodes
    balance roundrobin
    server rabbit-1 $HOST:5561 check inter 1s
    server rabbit-2 $HOST:5562 check inter 1s
    server rabbit-3 $HOST:5563 check inter 1s
CFG
  haproxy -D -f "$HAPROXY_DIR/haproxy.cfg" -p "$HAPROXY_DIR/pid"
}

stop_haproxy() {
  if [ -f "$HAPROXY_DIR/pid" ]; then
    kill "$(cat "$HAPROXY_DIR/pid")" 2>/dev/null || true
    rm -f "$HAPROXY_DIR/pid"
  fi
}

cluster_start() {
  build_tree
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  cp /etc/hosts "$ROOT/etc/hosts"
  local n pids=()
  for n in $CLUSTER_NODES; do
    start_node "$n" &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n"; done
  join_cluster
  start_haproxy
  log "cluster ready: stream ports 5561-5563, HAProxy on $HOST:$LB_PORT"
}

cluster_running() {
  local n
  for n in $CLUSTER_NODES; do node_running "$n" && return 0; done
  return 1
}

cluster_stop() {
  stop_haproxy
  local n
  for n in $CLUSTER_NODES; do stop_node "$n"; done
  # epmd and the tree's /proc are shared with the single broker.
  [ -d "$ROOT" ] && ! port_open $STREAM_PORT && kill_tree_leftovers
  log "cluster stopped"
}

cluster_status() {
  local n down=0
  for n in $CLUSTER_NODES; do
    if node_running "$n"; then echo "rabbit-$n@localhost: running on $HOST:$(node_stream_port "$n")"
    else echo "rabbit-$n@localhost: stopped"; down=1; fi
  done
  if port_open $LB_PORT; then echo "haproxy: $HOST:$LB_PORT"; else echo "haproxy: stopped"; down=1; fi
  return $down
}

cmd_cluster() {
  case "${1:-}" in
    start) cluster_start ;;
    stop) cluster_stop ;;
    status) cluster_status ;;
    stop-node) stop_node "$2" ;;
    start-node) start_node "$2" ;;
    ctl) local n=$2; shift 2; in_node "$n" rabbitmqctl -n "$(node_name "$n")" "$@" ;;
    streams) local n=$2; shift 2; in_node "$n" rabbitmq-streams -n "$(node_name "$n")" "$@" ;;
    *) echo "usage: scripts/broker cluster start|stop|status|stop-node N|start-node N|ctl N ARGS...|streams N ARGS..." >&2
       exit 2 ;;
  esac
}
