#pragma once

// Benchmark helpers (STYLE.md section 8): time a callable over several runs
// and print one JSON object per measurement on its own line of stdout:
//
//   {"name": ..., "unit": ..., "value": ..., "runs": ..., "conditions": {...}}
//
// `conditions` always holds the compiler, the build type, the git commit
// (MAILACCESS_GIT_COMMIT from the environment, else the one the build was
// configured at) and the CPU count, plus whatever the benchmark adds
// (corpus, sizes, fsync, ...). Benchmarks never assert timings.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifndef MAILACCESS_BENCH_COMPILER
#define MAILACCESS_BENCH_COMPILER "unknown"
#endif
#ifndef MAILACCESS_BENCH_BUILD_TYPE
#define MAILACCESS_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef MAILACCESS_BENCH_GIT_COMMIT
#define MAILACCESS_BENCH_GIT_COMMIT "unknown"
#endif

namespace mailaccess::bench {

/// Wall-clock seconds of each run, in run order.
struct timing {
    std::vector<double> seconds;

    /// The median run: robust against one run disturbed by the machine.
    double median() const {
        std::vector<double> s = seconds;
        std::sort(s.begin(), s.end());
        if (s.empty()) return 0;
        const std::size_t mid = s.size() / 2;
        return s.size() % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }
    double best() const { return seconds.empty() ? 0 : *std::min_element(seconds.begin(), seconds.end()); }
    int runs() const { return static_cast<int>(seconds.size()); }
};

/// Runs `setup(run)` untimed, then `body(run)` timed, `runs` times.
template <class Setup, class Body>
timing time_runs(int runs, Setup&& setup, Body&& body) {
    timing t;
    for (int run = 0; run < runs; ++run) {
        setup(run);
        const auto start = std::chrono::steady_clock::now();
        body(run);
        const auto stop = std::chrono::steady_clock::now();
        t.seconds.push_back(std::chrono::duration<double>(stop - start).count());
    }
    return t;
}

/// The conditions every measurement carries; benchmarks add their own keys.
inline nlohmann::json base_conditions() {
    const char* env_commit = std::getenv("MAILACCESS_GIT_COMMIT");
    return {
        {"compiler", MAILACCESS_BENCH_COMPILER},
        {"build_type", MAILACCESS_BENCH_BUILD_TYPE},
        {"git_commit",
         env_commit != nullptr && *env_commit != '\0' ? env_commit : MAILACCESS_BENCH_GIT_COMMIT},
        {"hardware_threads", std::thread::hardware_concurrency()},
    };
}

/// Prints one measurement as a single JSON line and flushes, so a crash
/// later in the benchmark keeps what was already measured.
inline void report(std::string_view name, std::string_view unit, double value, int runs,
                   const nlohmann::json& extra_conditions) {
    nlohmann::json conditions = base_conditions();
    conditions.update(extra_conditions);
    const nlohmann::json line = {
        {"name", name}, {"unit", unit}, {"value", value}, {"runs", runs}, {"conditions", conditions}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

}  // namespace mailaccess::bench
