#include "line_scan.hpp"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__) && !defined(MAILACCESS_IMAP_SCALAR_SCAN)
#include <immintrin.h>
#define MAILACCESS_IMAP_LINE_SCAN_SIMD 1
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
// AVX2 and AVX-512BW variants are compiled whatever the build's -march and
// picked at run time, so a default build uses them where the CPU has them.
#define MAILACCESS_IMAP_LINE_SCAN_MULTIVERSION 1
#endif
#endif

namespace mailaccess::imap::detail {

line_scan scan_line_scalar(const char* p, std::size_t n, line_quote& quote) noexcept {
    line_quote q = quote;
    line_scan r;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = p[i];
        r.open_parens += c == '(' ? 1 : 0;
        step_line_quote(q, c);
        if (c == '\n') {
            r.length = i + 1;
            r.found_lf = true;
            quote = q;
            return r;
        }
    }
    r.length = n;
    quote = q;
    return r;
}

#ifdef MAILACCESS_IMAP_LINE_SCAN_SIMD
namespace {

// Bit counts: the popcnt instruction where the variant's target has it;
// in the SSE2 baseline a __builtin_popcountll would be a libgcc call.
template <bool Popcnt>
[[gnu::always_inline]] inline std::size_t count_bits(std::uint64_t m) noexcept {
    if constexpr (Popcnt) {
        return static_cast<std::size_t>(__builtin_popcountll(m));
    } else {
        m = m - ((m >> 1) & 0x5555555555555555ull);
        m = (m & 0x3333333333333333ull) + ((m >> 2) & 0x3333333333333333ull);
        m = (m + (m >> 4)) & 0x0f0f0f0f0f0f0f0full;
        return static_cast<std::size_t>((m * 0x0101010101010101ull) >> 56);
    }
}

template <bool Popcnt>
[[gnu::always_inline]] inline bool odd_bits(std::uint64_t m) noexcept {
    return (count_bits<Popcnt>(m) & 1u) != 0;
}

// The bits below bit `e`.
inline std::uint64_t below(unsigned e) noexcept { return e == 0 ? 0 : ~0ull >> (64 - e); }

// The length of the run of backslashes that ends just before bit `e`, with
// the escape pending from the previous block counted as one more backslash
// when the run starts the block.
inline unsigned backslash_run(std::uint64_t slashes, unsigned e, bool escape_in) noexcept {
    const std::uint64_t others = ~slashes & below(e);
    if (others == 0) return e + (escape_in ? 1u : 0u);
    return e - 1 - (63 - static_cast<unsigned>(__builtin_clzll(others)));
}

// The quote state after a block whose `valid` bytes hold quotes and
// backslashes at `quotes` and `slashes` (RFC 3501 section 9: inside a quoted
// string a backslash escapes the next byte; outside one it is an ordinary
// byte, as in `\Seen`).
//
// A quote that no backslash precedes always toggles the state. One after a
// run of backslashes toggles too when the run is outside a string (it opens
// one), and inside a string when the run has even length (the backslashes
// escape each other); an odd run escapes it. A run lies wholly inside or
// outside a string (entering one takes a quote), so its side is the state
// just before the quote: the parity of the toggles below it. Such quotes are
// few, so they are settled one at a time, in order.
template <bool Popcnt>
[[gnu::always_inline]] inline void follow_quotes(line_quote& q, std::uint64_t valid, std::uint64_t quotes,
                                                 std::uint64_t slashes) noexcept {
    const std::uint64_t after_backslash = quotes & ((slashes << 1) | (q.escape ? 1u : 0u));
    std::uint64_t toggles = quotes & ~after_backslash;
    for (std::uint64_t pending = after_backslash; pending != 0; pending &= pending - 1) {
        const auto e = static_cast<unsigned>(__builtin_ctzll(pending));
        const bool inside = q.in_quote != odd_bits<Popcnt>(toggles & below(e));
        if (!inside || backslash_run(slashes, e, q.escape) % 2 == 0) toggles |= 1ull << e;
    }
    // A backslash run at the end of the block inside a string may leave
    // the next byte escaped.
    const std::uint64_t last = valid ^ (valid >> 1);
    bool escape_out = false;
    if ((slashes & last) != 0) {
        const auto end = static_cast<unsigned>(__builtin_ctzll(last)) + 1;
        const unsigned run = backslash_run(slashes, end, q.escape);
        const unsigned run_start = run > end ? 0 : end - run;
        const bool inside = q.in_quote != odd_bits<Popcnt>(toggles & below(run_start));
        escape_out = inside && run % 2 == 1;
    }
    q.in_quote = q.in_quote != odd_bits<Popcnt>(toggles);
    q.escape = escape_out;
}

// The bytes of the block at `i`: in place, or for the last bytes of the
// input a zero-padded copy in `tail` (never a read past them); `valid`
// masks them.
[[gnu::always_inline]] inline const char* block_at(const char* p, std::size_t n, std::size_t i, char* tail,
                                                   std::uint64_t& valid) noexcept {
    const std::size_t avail = n - i;
    if (avail >= 64) {
        valid = ~0ull;
        return p + i;
    }
    std::memset(tail, 0, 64);
    std::memcpy(tail, p + i, avail);
    valid = (1ull << avail) - 1;
    return tail;
}

// The bytes of a block through its first LF, if it has one.
inline std::uint64_t through_lf(std::uint64_t valid, std::uint64_t lf) noexcept {
    lf &= valid;
    return lf != 0 ? lf ^ (lf - 1) : valid;
}

// Ends a scan after the block at `i`, whose scanned bytes are `scanned`.
inline bool finish_block(line_scan& r, std::size_t i, std::size_t n, std::uint64_t lf,
                         std::uint64_t scanned) noexcept {
    if ((lf & scanned) != 0) {
        r.length = i + static_cast<std::size_t>(__builtin_ctzll(lf & scanned)) + 1;
        r.found_lf = true;
        return true;
    }
    r.length = i + 64 < n ? i + 64 : n;
    return false;
}

// Each variant below has its own copy of the short block loop: the helpers
// above inline into any target, but intrinsics of a wider target cannot be
// inlined into a shared loop compiled for the baseline.
inline std::uint64_t movemask_sse2(__m128i v, char c) noexcept {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
}

line_scan scan_line_sse2(const char* p, std::size_t n, line_quote& quote) noexcept {
    line_quote q = quote;
    line_scan r;
    alignas(64) char tail[64];
    for (std::size_t i = 0; i < n; i += 64) {
        std::uint64_t valid = 0;
        const char* b = block_at(p, n, i, tail, valid);
        std::uint64_t lf = 0, quotes = 0, slashes = 0, open = 0;
        for (int k = 0; k < 4; ++k) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16 * k));
            lf |= movemask_sse2(v, '\n') << (16 * k);
            quotes |= movemask_sse2(v, '"') << (16 * k);
            slashes |= movemask_sse2(v, '\\') << (16 * k);
            open |= movemask_sse2(v, '(') << (16 * k);
        }
        const std::uint64_t scanned = through_lf(valid, lf);
        follow_quotes<false>(q, scanned, quotes & scanned, slashes & scanned);
        r.open_parens += count_bits<false>(open & scanned);
        if (finish_block(r, i, n, lf, scanned)) break;
    }
    quote = q;
    return r;
}

#ifdef MAILACCESS_IMAP_LINE_SCAN_MULTIVERSION

[[gnu::target("avx2"), gnu::always_inline]] inline std::uint64_t movemask_avx2(__m256i lo, __m256i hi,
                                                                               char c) noexcept {
    const __m256i x = _mm256_set1_epi8(c);
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, x))) |
           static_cast<std::uint64_t>(
               static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, x))))
               << 32;
}

[[gnu::target("avx2,popcnt,bmi")]] line_scan scan_line_avx2(const char* p, std::size_t n,
                                                            line_quote& quote) noexcept {
    line_quote q = quote;
    line_scan r;
    alignas(64) char tail[64];
    for (std::size_t i = 0; i < n; i += 64) {
        std::uint64_t valid = 0;
        const char* b = block_at(p, n, i, tail, valid);
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32));
        const std::uint64_t lf = movemask_avx2(lo, hi, '\n');
        const std::uint64_t scanned = through_lf(valid, lf);
        follow_quotes<true>(q, scanned, movemask_avx2(lo, hi, '"') & scanned,
                            movemask_avx2(lo, hi, '\\') & scanned);
        r.open_parens += count_bits<true>(movemask_avx2(lo, hi, '(') & scanned);
        if (finish_block(r, i, n, lf, scanned)) break;
    }
    quote = q;
    return r;
}

[[gnu::target("avx512bw,avx512f,popcnt,bmi")]] line_scan scan_line_avx512(const char* p, std::size_t n,
                                                                          line_quote& quote) noexcept {
    line_quote q = quote;
    line_scan r;
    alignas(64) char tail[64];
    for (std::size_t i = 0; i < n; i += 64) {
        std::uint64_t valid = 0;
        const char* b = block_at(p, n, i, tail, valid);
        const __m512i v = _mm512_loadu_si512(b);
        const std::uint64_t lf = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
        const std::uint64_t scanned = through_lf(valid, lf);
        follow_quotes<true>(q, scanned, _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')) & scanned,
                            _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\')) & scanned);
        r.open_parens += count_bits<true>(_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('(')) & scanned);
        if (finish_block(r, i, n, lf, scanned)) break;
    }
    quote = q;
    return r;
}

bool has_avx2() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
           __builtin_cpu_supports("bmi");
}

bool has_avx512bw() noexcept {
    __builtin_cpu_init();
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

#endif  // MAILACCESS_IMAP_LINE_SCAN_MULTIVERSION

line_scan_function pick_line_scan() noexcept {
#ifdef MAILACCESS_IMAP_LINE_SCAN_MULTIVERSION
    if (has_avx512bw()) return scan_line_avx512;
    if (has_avx2()) return scan_line_avx2;
#endif
    return scan_line_sse2;
}

}  // namespace

line_scan scan_line(const char* p, std::size_t n, line_quote& quote) noexcept {
    static const line_scan_function chosen = pick_line_scan();
    return chosen(p, n, quote);
}

line_scan_function line_scan_variant(std::size_t index) noexcept {
    static const line_scan_function variants[] = {
        scan_line_scalar,
        scan_line_sse2,
#ifdef MAILACCESS_IMAP_LINE_SCAN_MULTIVERSION
        has_avx2() ? scan_line_avx2 : nullptr,
        has_avx512bw() ? scan_line_avx512 : nullptr,
#endif
    };
    for (const line_scan_function f : variants) {
        if (f == nullptr) continue;
        if (index-- == 0) return f;
    }
    return nullptr;
}

#else  // no vector unit: the reference is the implementation

line_scan scan_line(const char* p, std::size_t n, line_quote& quote) noexcept {
    return scan_line_scalar(p, n, quote);
}

line_scan_function line_scan_variant(std::size_t index) noexcept {
    return index == 0 ? scan_line_scalar : nullptr;
}

#endif

}  // namespace mailaccess::imap::detail
