#!/bin/bash
# Fake eugr/spark-vllm-docker launch-cluster.sh for the integration tests: parses the real
# options, keeps "containers" as files in $SPARK_FAKE_STATE/containers and prints what the real
# script prints. Steering files in $SPARK_FAKE_STATE:
#   launch_mode   ok (default) | fail (error, exit 1) | hang (never returns) | die (killed mid-way)
# Like the real script, `exec` joins every word after it into one string and runs that string
# with `bash -c` (the real one: `docker exec … bash -i -c "$COMMAND_TO_RUN"`), so the words must
# come quoted for that inner shell too. `vllm` inside it is a shell function that writes its
# argv NUL-terminated to $SPARK_FAKE_STATE/launch_args and one word a line to the container file.
set -u
state="${SPARK_FAKE_STATE:?SPARK_FAKE_STATE is not set}"
mkdir -p "$state/containers"
name=vllm_node solo=0 daemon=0 action=""
while [ $# -gt 0 ]; do
  case "$1" in
    --solo) solo=1 ;;
    -d) daemon=1 ;;
    --name) shift; name="$1" ;;
    -n|-t|-e) shift ;;
    --ray|--no-ray) ;;
    start|stop|status|exec) action="$1"; shift; break ;;
    *) echo "Unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
mode=$(cat "$state/launch_mode" 2>/dev/null || echo ok)

case "$action" in
  stop)
    echo "Stopping cluster containers..."
    if [ -f "$state/containers/$name" ]; then
      echo "Stopping $name on head node"
      [ "$solo" = 1 ] || echo "Stopping $name on worker 192.168.100.11"
      docker stop "$name" > /dev/null
    else
      echo "No running $name container found"
    fi
    echo "Cluster stopped."
    ;;
  status)
    for f in "$state"/containers/*; do [ -e "$f" ] && echo "$(basename "$f") Up 5 minutes"; done
    ;;
  exec)
    command_to_run="$*"  # the words joined with spaces, as COMMAND_TO_RUN="$@" does
    if [ -f "$state/containers/$name" ]; then
      echo "Cluster containers are already running. Skipping launch."
      exit 0
    fi
    if [ "$solo" = 1 ]; then echo "Solo mode: running on the head node only"
    else echo "Cluster nodes: 192.168.100.10 (head), 192.168.100.11"; fi
    case "$mode" in
      fail) echo "Error: image vllm-node not found. Run ./build-and-copy.sh first." >&2; exit 1 ;;
      hang) echo "Starting $name on head node..."; exec sleep 60 ;;
      die) echo "Starting $name on head node..."; kill -9 $$ ;;
    esac
    echo "Starting $name on head node..."
    rm -f "$state/exited/$name" "$state/exited/$name.state"  # the new container takes the name
    vllm() {
      printf '%s\0' vllm "$@" > "$state/launch_args"
      printf '%s\n' vllm "$@" > "$state/containers/$name"
    }
    export -f vllm
    export state name
    bash -c "$command_to_run" || exit
    if [ "$daemon" = 1 ]; then
      echo "Command dispatched in background (Daemon mode)"
    else
      exec docker logs -f "$name"
    fi
    ;;
  *)
    echo "Usage: launch-cluster.sh [-n <node_ips>] [-t <image>] [--name <container>] [--solo] [-d] [action] [command...]" >&2
    exit 2
    ;;
esac
