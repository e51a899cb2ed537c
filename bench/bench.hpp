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

/// The program name `die` prefixes its messages with; `args` sets it.
inline std::string& program_name() {
    static std::string name = "bench";
    return name;
}

/// Prints "<program>: what" to stderr and exits with status 1.
[[noreturn]] inline void die(const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", program_name().c_str(), what.c_str());
    std::exit(1);
}

/// Command-line options of the form `--name value`:
///
///     bench::args a(argc, argv, "[--messages N] [--runs N]");
///     while (a.next()) {
///         if (a.is("--messages")) o.messages = a.number();
///         else a.unknown();
///     }
///
/// `--help` prints the usage and exits 0; a missing value, a bad number and
/// an unknown option `die`.
class args {
public:
    args(int argc, char** argv, std::string_view usage) : argc_(argc), argv_(argv), usage_(usage) {
        const std::string_view path = argc > 0 ? argv[0] : "bench";
        program_name() = std::string(path.substr(path.find_last_of('/') + 1));
    }

    /// Moves to the next option and its value; false after the last.
    bool next() {
        if (++i_ >= argc_) return false;
        name_ = argv_[i_];
        if (name_ == "--help") {
            std::printf("usage: %s %.*s\n", argv_[0], static_cast<int>(usage_.size()), usage_.data());
            std::exit(0);
        }
        if (i_ + 1 >= argc_) die("missing value after " + std::string(name_));
        value_ = argv_[++i_];
        return true;
    }

    /// True when the current option is `name`.
    bool is(std::string_view name) const noexcept { return name_ == name; }
    /// The current option's value.
    const std::string& value() const noexcept { return value_; }
    /// The current option's value as a positive decimal number.
    std::size_t number() const {
        char* end = nullptr;
        const unsigned long long n = std::strtoull(value_.c_str(), &end, 10);
        if (end == value_.c_str() || *end != '\0' || n == 0)
            die("bad number for " + std::string(name_) + ": " + value_);
        return static_cast<std::size_t>(n);
    }
    /// Ends the program: the current option, or its value, is not known.
    [[noreturn]] void unknown() const { die("unknown option or value " + std::string(name_) + " " + value_); }

private:
    int argc_;
    char** argv_;
    std::string_view usage_;
    int i_ = 0;
    std::string_view name_;
    std::string value_;
};

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
