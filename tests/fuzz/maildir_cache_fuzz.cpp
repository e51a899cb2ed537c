// Fuzzes the message cache file reader (a file other processes append to
// concurrently, that a crash may tear and a damaged disk may corrupt): the
// scan must never crash, must return only records that re-serialize to the
// very bytes they came from, and must stop at the same place and for the
// same reason whether it sees the file at once or in two reads (the first
// byte picks the split), as a reader following a growing file does.
#include "../../src/maildir/message_cache.hpp"

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace d = mailaccess::maildir::detail;
using mailaccess::fuzz::check;

struct seen_record {
    std::uint32_t uid;
    std::string key;
    std::string value;
    std::size_t offset;
    bool operator==(const seen_record&) const = default;
};

d::cache_scan_result scan(std::string_view bytes, std::size_t base, std::vector<seen_record>& out) {
    return d::scan_cache_records(bytes, [&](const d::cache_record& rec) {
        out.push_back({rec.uid, std::string(rec.key), std::string(rec.value), base + rec.offset});
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = mailaccess::fuzz::steer(data, size);
    if (!in) return 0;
    const std::string_view file = in->payload;

    // The header: what parses re-serializes to the same 16 bytes.
    if (auto v = d::parse_cache_header(file)) {
        check(*v != 0);
        check(d::serialize_cache_header(*v) == file.substr(0, d::cache_header_size));
    }
    const std::string_view body =
        file.size() < d::cache_header_size ? std::string_view() : file.substr(d::cache_header_size);

    std::vector<seen_record> whole;
    const auto r = scan(body, 0, whole);
    check(r.consumed <= body.size());
    check(r.stop == d::cache_scan_stop::end ? r.consumed == body.size() : r.consumed < body.size());
    std::size_t at = 0;
    for (const auto& rec : whole) {
        check(rec.offset == at);
        check(rec.uid != 0);
        check(rec.key.size() <= mailaccess::store::max_cache_key_size);
        check(rec.value.size() <= mailaccess::store::max_cache_value_size);
        const std::string again = d::serialize_cache_record(rec.uid, rec.key, rec.value);
        check(body.substr(at, again.size()) == again);
        at += again.size();
    }
    check(at == r.consumed);

    // The verified prefix scans clean on its own.
    std::vector<seen_record> prefix;
    const auto rp = scan(body.substr(0, r.consumed), 0, prefix);
    check(rp.stop == d::cache_scan_stop::end && rp.consumed == r.consumed && prefix == whole);

    // Two reads: the first sees the file cut at `split`, the second resumes
    // where the first stopped (unless it found corruption).
    const std::size_t split = in->split(131) % (body.size() + 1);
    std::vector<seen_record> two;
    const auto r1 = scan(body.substr(0, split), 0, two);
    if (r1.stop == d::cache_scan_stop::corrupt) {
        // Only what the whole file calls corrupt at the same place.
        check(r.stop == d::cache_scan_stop::corrupt && r.consumed == r1.consumed && two == whole);
        return 0;
    }
    const auto r2 = scan(body.substr(r1.consumed), r1.consumed, two);
    check(r1.consumed + r2.consumed == r.consumed && r2.stop == r.stop && two == whole);

    // Each record parses alone from its exact bytes.
    for (const auto& rec : whole) {
        d::cache_record one;
        const std::string bytes = d::serialize_cache_record(rec.uid, rec.key, rec.value);
        check(d::parse_cache_record(bytes, one) == d::cache_scan_stop::end && one.size == bytes.size());
        check(one.uid == rec.uid && one.key == rec.key && one.value == rec.value);
    }
    return 0;
}
