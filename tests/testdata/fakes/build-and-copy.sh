#!/bin/bash
# Fake eugr/spark-vllm-docker build-and-copy.sh for the integration tests, written from the real
# script's documented behaviour (SPARK-VLLM-DOCKER.md "build-and-copy.sh and updates"): the same
# options, the same progress lines, `set -e`, a new `vllm-node` image (through the fake docker's
# image files, so ids are real state), and the copy `docker save` → `ssh USER@HOST "docker load"`
# that skips a host already holding the same image id. Like the real one it takes the copy hosts
# as the words after -c up to the next option, comma or space separated.
# Steering files in $SPARK_FAKE_STATE:
#   build_s       seconds the build takes (default 1), printed as progress lines meanwhile
#   build_fail    when present, the build fails with its content (exit 1) half-way
#   build_id      the id the new image gets (default: a fresh sha256 of the time)
#   copy_s        seconds each copy to a host takes (default 0; the real one moves ~20 GB)
#   build_calls   one line per run is appended: the arguments
set -eu
state="${SPARK_FAKE_STATE:?SPARK_FAKE_STATE is not set}"
start=$(date +%s)
echo "$*" >> "$state/build_calls"

tag=vllm-node user="${USER:-$(id -un)}" no_build=false parallel=false hosts=()
usage() {
  echo "Usage: $0 [OPTIONS]"
  echo "  -t, --tag <tag>           : Image tag (default: 'vllm-node')"
  echo "  -c, --copy-to <hosts>     : Host(s) to copy the image to."
  echo "  -u, --user <user>         : Username for ssh command (default: \$USER)"
  echo "  --no-build                : Skip building, only copy image (requires --copy-to)"
  exit 1
}
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--tag) tag="$2"; shift ;;
    --rebuild-deps|--rebuild-vllm|--pre-flashinfer|--pre-tf|--pre-transformers) ;;
    --vllm-ref|--triton-ref|--apply-vllm-pr|-j|--build-jobs) shift ;;
    -c|--copy-to|--copy-to-host|--copy-to-hosts)
      shift
      while [ $# -gt 0 ] && [[ "$1" != -* ]]; do
        IFS=', ' read -ra words <<< "$1"
        for w in "${words[@]}"; do [ -n "$w" ] && hosts+=("$w"); done
        shift
      done
      if [ "${#hosts[@]}" -eq 0 ]; then
        echo "No hosts specified. Using autodiscovery..."
        echo "Error: Autodiscovery found no other nodes."
        exit 1
      fi
      continue
      ;;
    -u|--user) user="$2"; shift ;;
    --copy-parallel) parallel=true ;;
    --no-build) no_build=true ;;
    -h|--help) usage ;;
    *) echo "Unknown parameter passed: $1"; usage ;;
  esac
  shift
done
if [ "$no_build" = true ] && [ "${#hosts[@]}" -eq 0 ]; then
  echo "Error: --no-build requires --copy-to to be specified"
  exit 1
fi

build_s=$(cat "$state/build_s" 2>/dev/null || echo 1)
steps=5
if [ "$no_build" = false ]; then
  echo "Pulling prebuilt image eugr/spark-vllm:latest (use --rebuild-vllm to build from source)"
  echo "latest: Pulling from eugr/spark-vllm"
  for i in $(seq 1 "$steps"); do
    sleep "$(echo "$build_s $steps" | awk '{ printf "%.3f", $1 / $2 }')"
    printf '%012x: Pull complete\n' "$((i * 7919))"
    if [ "$i" = 3 ] && [ -f "$state/build_fail" ]; then
      cat "$state/build_fail"
      exit 1
    fi
  done
  id="$(cat "$state/build_id" 2>/dev/null || echo "sha256:$(date +%s%N | sha256sum | cut -c1-64)")"
  echo "Digest: sha256:$(echo "$id" | sha256sum | cut -c1-64)"
  echo "Status: Downloaded newer image for eugr/spark-vllm:latest"
  mkdir -p "$state/images"
  echo "$id $(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" > "$state/images/$tag.tmp"
  mv "$state/images/$tag.tmp" "$state/images/$tag:latest"
  echo "Tagged eugr/spark-vllm:latest as $tag"
else
  echo "Skipping build (--no-build specified)"
fi

if [ "${#hosts[@]}" -gt 0 ]; then
  echo "Copying image '$tag' to ${#hosts[@]} host(s): ${hosts[*]}"
  [ "$parallel" = true ] && echo "Parallel copy enabled."
  local_id=$(docker image inspect "$tag" --format '{{.Id}}')
  tmp=$(mktemp -t vllm_image.XXXXXX)
  trap 'echo "Cleaning up temporary image $tmp"; rm -f "$tmp"' EXIT
  saved=false
  for host in "${hosts[@]}"; do
    remote_id=$(ssh "$user@$host" "docker image inspect $tag --format '{{.Id}}'" 2>/dev/null || true)
    if [ "$remote_id" = "$local_id" ]; then
      echo "Image on $host is up to date ($local_id), skipping."
      continue
    fi
    if [ "$saved" = false ]; then
      echo "Saving image locally to $tmp..."
      docker save -o "$tmp" "$tag"
      saved=true
    fi
    echo "Loading image into $user@$host..."
    sleep "$(cat "$state/copy_s" 2>/dev/null || echo 0)"
    if cat "$tmp" | ssh "$user@$host" "docker load"; then
      echo "Copy to $host completed in 00:00:00"
    else
      echo "Copy to $host failed."
      exit 1
    fi
  done
  echo "Copy complete."
else
  echo "No host specified, skipping copy."
fi

total=$(($(date +%s) - start))
echo ""
echo "========================================="
echo "         TIMING STATISTICS"
echo "========================================="
printf 'Total Time:    %02d:%02d:%02d\n' $((total / 3600)) $((total % 3600 / 60)) $((total % 60))
echo "========================================="
echo "Done preparing $tag."
