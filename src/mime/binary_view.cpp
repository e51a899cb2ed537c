#include <mailaccess/mime/binary_view.hpp>

#include <mailaccess/core/error.hpp>
#include <mailaccess/mime/error.hpp>
#include <mailaccess/mime/section_view.hpp>
#include <mailaccess/mime/transfer_decoder.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

namespace mailaccess::mime {
namespace {

constexpr std::size_t chunk_size = 16 * 1024;

bool is_decoded(transfer_encoding e) noexcept {
    return e == transfer_encoding::base64 || e == transfer_encoding::quoted_printable;
}

transfer_decoding decoding_of(transfer_encoding e) noexcept {
    switch (e) {
        case transfer_encoding::base64: return transfer_decoding::base64;
        case transfer_encoding::quoted_printable: return transfer_decoding::quoted_printable;
        default: return transfer_decoding::identity;
    }
}

// The raw range to read: as sent (bare LF as CRLF) for content sent as it
// is; as stored for a decoder (base64 ignores line ends, and the
// quoted-printable decoder writes every hard line break as CRLF itself).
section_content raw_section(const binary_content& c) {
    section_content r;
    r.offset = c.offset;
    r.length = c.length;
    r.crlf = c.crlf && !is_decoded(c.encoding);
    r.full_size = r.crlf ? c.imap_length : c.length;
    r.size = r.full_size;
    if (!c.found) r.full_size = r.size = r.length = 0;
    return r;
}

}  // namespace

result<binary_content> resolve_binary(const message_structure& s, std::span<const std::uint32_t> part) {
    binary_content c;
    if (part.empty()) {
        c.offset = 0;
        c.length = s.size();
        c.imap_length = s.imap_size();
        c.crlf = s.has_bare_lf();
        c.known_size = s.imap_size();
        return c;
    }
    const std::uint32_t index = find_part(s, part);
    if (index == message_part::npos) {
        c.found = false;
        c.known_size = 0;
        return c;
    }
    const message_part& p = s.parts()[index];
    if (p.cte == transfer_encoding::unknown) return unexpected(errc::unknown_transfer_encoding);
    c.offset = p.body_offset();
    c.length = p.body_size;
    c.imap_length = p.body_imap_size;
    c.crlf = p.body_imap_size != p.body_size;
    c.encoding = p.cte;
    c.literal8 = p.cte == transfer_encoding::base64 || p.cte == transfer_encoding::quoted_printable ||
                 p.cte == transfer_encoding::binary;
    if (!is_decoded(p.cte)) c.known_size = p.body_imap_size;
    return c;
}

struct binary_reader::state {
    state(byte_source& message, const binary_content& content, std::optional<imap::partial> partial)
        : raw_content(raw_section(content)),
          raw(message, raw_content),
          decoder(decoding_of(content.encoding), true),
          decoding(is_decoded(content.encoding)) {
        if (partial) {
            skip = partial->offset;
            left = partial->length;
        }
    }
    section_content raw_content;
    section_reader raw;
    transfer_decoder decoder;
    bool decoding;
    bool finished = false;
    std::string chunk;
    std::string decoded;  // decoded octets not yet returned, from decoded_pos
    std::size_t decoded_pos = 0;
    std::uint64_t skip = 0;
    std::uint64_t left = ~std::uint64_t{0};
};

binary_reader::binary_reader(byte_source& message, const binary_content& content,
                             std::optional<imap::partial> partial)
    : state_(std::make_unique<state>(message, content, partial)) {}

binary_reader::~binary_reader() = default;
binary_reader::binary_reader(binary_reader&&) noexcept = default;

result<std::size_t> binary_reader::read(std::span<char> out) {
    state& st = *state_;
    if (out.empty() || st.left == 0) return std::size_t{0};
    if (!st.decoding) {
        // Sent as it is: skip straight through the raw reader.
        char scratch[512];
        while (st.skip > 0) {
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof scratch, st.skip));
            auto n = st.raw.read(std::span<char>(scratch, want));
            if (!n) return unexpected(n.error());
            if (*n == 0) return std::size_t{0};
            st.skip -= *n;
        }
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), st.left));
        auto n = st.raw.read(out.first(want));
        if (!n) return unexpected(n.error());
        st.left -= *n;
        return *n;
    }
    for (;;) {
        if (st.decoded_pos < st.decoded.size()) {
            const std::size_t avail = st.decoded.size() - st.decoded_pos;
            if (st.skip > 0) {
                const auto drop = static_cast<std::size_t>(std::min<std::uint64_t>(avail, st.skip));
                st.decoded_pos += drop;
                st.skip -= drop;
                continue;
            }
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>({avail, out.size(), st.left}));
            std::memcpy(out.data(), st.decoded.data() + st.decoded_pos, n);
            st.decoded_pos += n;
            st.left -= n;
            return n;
        }
        if (st.finished) return std::size_t{0};
        st.decoded.clear();
        st.decoded_pos = 0;
        st.chunk.resize(chunk_size);
        auto n = st.raw.read(std::span<char>(st.chunk.data(), st.chunk.size()));
        if (!n) return unexpected(n.error());
        if (*n == 0) {
            st.decoder.finish(st.decoded);
            st.finished = true;
            // README item 26: invalid encoded data is refused, not repaired.
            if (!st.decoder.is_clean()) return unexpected(errc::bad_encoded_data);
            continue;
        }
        st.decoder.decode(std::string_view(st.chunk.data(), *n), st.decoded);
    }
}

result<std::uint64_t> binary_size(byte_source& message, const binary_content& content) {
    if (content.known_size) return *content.known_size;
    const section_content raw_content = raw_section(content);
    section_reader raw(message, raw_content);
    transfer_decoder decoder(decoding_of(content.encoding), true);
    std::string chunk(chunk_size, '\0');
    std::uint64_t total = 0;
    for (;;) {
        auto n = raw.read(std::span<char>(chunk.data(), chunk.size()));
        if (!n) return unexpected(n.error());
        if (*n == 0) break;
        total += decoder.measure(std::string_view(chunk.data(), *n));
    }
    total += decoder.finish_measure();
    if (!decoder.is_clean()) return unexpected(errc::bad_encoded_data);
    return total;
}

result<std::string> read_binary(byte_source& message, const binary_content& content,
                                std::optional<imap::partial> partial) {
    binary_reader reader(message, content, partial);
    std::string out;
    std::string buffer(chunk_size, '\0');
    for (;;) {
        auto n = reader.read(std::span<char>(buffer.data(), buffer.size()));
        if (!n) return unexpected(n.error());
        if (*n == 0) return out;
        out.append(buffer.data(), *n);
    }
}

}  // namespace mailaccess::mime
