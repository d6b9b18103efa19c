#!/usr/bin/env bash
# pg-test-cluster.sh - a private, throw-away PostgreSQL cluster for tests.
#
#   pg-test-cluster.sh start DIR   initdb (first time) and start on a free port;
#                                  prints the URL and writes it to DIR/url
#   pg-test-cluster.sh stop DIR    stop it (fast shutdown)
#   pg-test-cluster.sh url DIR     print the URL of a started cluster
#
# The cluster trusts local connections, runs with fsync=off and is for tests
# only. Tests connect as role "buffr", which is NOT a superuser, so that
# row-level security applies to it as it does in production.
# Works as root (the server then runs as the "postgres" system user) or as
# any other user.
set -euo pipefail

die() {
    echo "pg-test-cluster: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start|stop|url DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

find_bindir() {
    local best="" best_version=-1 candidate version
    for candidate in /usr/lib/postgresql/*/bin; do
        if [ ! -x "$candidate/initdb" ] || [ ! -x "$candidate/pg_ctl" ]; then
            continue
        fi
        version=$(basename "$(dirname "$candidate")")
        version=${version%%.*}
        [[ $version =~ ^[0-9]+$ ]] || continue
        if [ "$version" -gt "$best_version" ]; then
            best=$candidate
            best_version=$version
        fi
    done
    if [ -z "$best" ] && command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        best=$(dirname "$(command -v pg_ctl)")
    fi
    [ -n "$best" ] || die "no PostgreSQL server binaries (initdb, pg_ctl) found"
    echo "$best"
}

# Run a server-side command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local port
    if command -v python3 >/dev/null &&
        port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null) && [ -n "$port" ]; then
        echo "$port"
        return
    fi
    command -v ss >/dev/null || die "need python3 or ss to find a free port"
    for port in $(seq 25432 26431); do
        if ! ss -Htln "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port found"
}

is_running() {
    [ -d "$dir/data" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

# psql as the superuser over the cluster's socket.
psql_admin() {
    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres \
        -d postgres "$@"
}

start() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
        chown postgres: "$dir"
        # The server must reach DIR through every parent directory.
        local parent=$dir
        while [ "$parent" != / ]; do
            parent=$(dirname "$parent")
            runuser -u postgres -- test -x "$parent" || die "postgres cannot enter $parent"
        done
    fi

    if [ ! -f "$dir/data/PG_VERSION" ]; then
        local locale=C.UTF-8
        locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' || locale=C
        as_owner "$bindir/initdb" -D "$dir/data" --auth=trust -U postgres --encoding=UTF8 \
            --locale="$locale" >"$dir/initdb.log" 2>&1 ||
            die "initdb failed; see $dir/initdb.log"
    fi

    if is_running; then
        [ -f "$dir/port" ] || die "a server runs in $dir/data but $dir/port is missing"
        port=$(cat "$dir/port")
    else
        port=$(free_port)
        echo "$port" >"$dir/port"
        as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
            start >/dev/null || die "server did not start; see $dir/server.log"
    fi

    local tries=0
    until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        [ "$tries" -lt 60 ] || die "server not ready after 30 s; see $dir/server.log"
        sleep 0.5
    done

    if [ "$(psql_admin -tA -c "SELECT 1 FROM pg_roles WHERE rolname = 'buffr'")" != 1 ]; then
        psql_admin -c "CREATE ROLE buffr LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
    fi
    if [ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = 'buffr_test'")" != 1 ]; then
        psql_admin -c "CREATE DATABASE buffr_test OWNER buffr ENCODING 'UTF8' TEMPLATE template0"
    fi
    # Since PostgreSQL 15 only the database owner may create in schema public.
    psql_admin -d buffr_test -c "ALTER SCHEMA public OWNER TO buffr"

    local url="postgresql://buffr@127.0.0.1:$port/buffr_test"
    echo "$url" >"$dir/url"
    echo "$url"
}

stop() {
    [ -d "$dir/data" ] || die "no cluster in $dir"
    if is_running; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
            die "pg_ctl stop failed; see $dir/server.log"
    fi
}

url() {
    [ -f "$dir/url" ] || die "no URL in $dir (not started?)"
    is_running || die "the cluster in $dir is not running"
    cat "$dir/url"
}

bindir=$(find_bindir)
port=""
case "$cmd" in
start) start ;;
stop) stop ;;
url) url ;;
*) usage ;;
esac
