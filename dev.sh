#!/bin/sh
# The two newcomer commands (README), and what CI runs:
#   ./dev.sh serve   install packages, build, start the reference server on its embedded default
#                    and the webmail on http://127.0.0.1:8080
#   ./dev.sh test    install packages, build with -Werror, run the whole test suite (ctest)
#   ./dev.sh fuzz [SECONDS]   clang-14 build with ASan+UBSan: every unit test, then every
#                    libFuzzer target for SECONDS each (default 60) from its committed corpus
# Run as root on Debian 12 (packages come from apt); as a normal user it skips
# the install step and expects the packages to be there.
set -eu
cd "$(dirname "$0")"

PACKAGES="cmake ninja-build g++ pkg-config libasio-dev android-libboringssl-dev catch2 nlohmann-json3-dev libcrypt-dev libmicrohttpd-dev"
TEST_PACKAGES="clang-format-14 python3 curl fetchmail mpop isync offlineimap3 mutt dovecot-imapd dovecot-pop3d clang-14 libclang-rt-14-dev chromium"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

install_packages() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
        exit 1
    fi
    echo "installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

case "${1:-}" in
serve)
    shift
    install_packages $PACKAGES
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILACCESS_BUILD_TESTS=OFF \
        -DMAILACCESS_BUILD_BENCH=OFF >/dev/null
    cmake --build build/release -j "$JOBS" --target mailaccess-server mailaccess-webmail
    # The webmail (http://127.0.0.1:8080) talks IMAP to the server on 127.0.0.1:1993 and trusts the
    # certificate the server writes into its state directory; it waits until the server answers.
    state=var prev=
    for arg in "$@"; do
        [ "$prev" = --state-dir ] && state=$arg
        prev=$arg
    done
    build/release/examples/webmail/mailaccess-webmail --ca-file "$state/tls/cert.pem" &
    webmail=$!
    trap 'kill "$webmail" 2>/dev/null || true' EXIT INT TERM
    build/release/examples/server/mailaccess-server "$@"
    ;;
test)
    install_packages $PACKAGES $TEST_PACKAGES
    cmake -S . -B build/ci -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILACCESS_WERROR=ON
    cmake --build build/ci -j "$JOBS"
    ctest --test-dir build/ci --output-on-failure -j "$JOBS" --timeout 600
    ;;
fuzz)
    seconds=${2:-60}
    install_packages $PACKAGES $TEST_PACKAGES
    cmake --preset fuzz >/dev/null
    cmake --build build/fuzz -j "$JOBS"
    ctest --test-dir build/fuzz --output-on-failure -j "$JOBS" --timeout 600
    work=$(mktemp -d)
    for source in tests/fuzz/*_fuzz.cpp; do
        target=$(basename "$source" .cpp)
        mkdir -p "$work/$target"
        cp tests/fuzz/corpus/"$target"/* "$work/$target"/
        echo "fuzzing $target for ${seconds}s"
        build/fuzz/tests/fuzz/"$target" "$work/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
            -artifact_prefix="$work/$target-" 2>"$work/$target.log" || {
            tail -40 "$work/$target.log"
            echo "$target found a failure; the input is in $work (add it to tests/fuzz/corpus/$target/)" >&2
            exit 1
        }
    done
    rm -rf "$work"
    echo "all fuzz targets ran clean for ${seconds}s each"
    ;;
*)
    echo "usage: $0 serve [server flags] | test | fuzz [seconds]" >&2
    exit 2
    ;;
esac
