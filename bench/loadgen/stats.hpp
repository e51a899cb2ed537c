#pragma once

// What a workload measured: completed operations, bytes, errors, and the
// latency of each operation, summarised as percentiles.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace loadgen {

struct stats {
    std::uint64_t ops = 0;
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
    std::uint64_t errors = 0;
    std::string first_error;
    double seconds = 0;                ///< wall time of the measured phase
    std::vector<double> latencies_ms;  ///< one per operation

    void error(const std::string& what) {
        ++errors;
        if (first_error.empty()) first_error = what;
    }

    /// The `q` quantile (0..1) of the latencies, nearest rank; 0 when empty.
    double percentile(double q) const {
        if (latencies_ms.empty()) return 0;
        std::vector<double> s = latencies_ms;
        std::sort(s.begin(), s.end());
        const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(s.size())));
        return s[std::min(s.size() - 1, rank == 0 ? 0 : rank - 1)];
    }
};

}  // namespace loadgen
