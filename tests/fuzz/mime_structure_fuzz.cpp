// Feeds arbitrary bytes to mime::structure_parser and every IMAP view of the
// result. The first byte steers the harness: where to split the input
// (bits 0-5 with the payload size), and bits 6-7 pick small limits (nesting
// 4, 12 parts, 64-byte headers) so the limit paths are reached too.
//
// Invariants: no crash or failed assertion; the structure does not depend
// on the chunking; it survives the cache round trip; every part's IMAP part
// number leads back to it through find_part; every section and BINARY of
// every part is read in bounds, has the announced size, and BODY data has
// no NUL and no bare LF; BODYSTRUCTURE serializes and parses back to an
// equal value (imap::parse_response).
#include <mailaccess/mime/structure_parser.hpp>

#include <mailaccess/imap/response.hpp>
#include <mailaccess/mime/binary_view.hpp>
#include <mailaccess/mime/body_structure_view.hpp>
#include <mailaccess/mime/header_selection.hpp>
#include <mailaccess/mime/section_view.hpp>

#include "../support/string_source.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;
// fuzz::check, with the failed condition printed.
#define check(cond)                                                                                      \
    do {                                                                                                 \
        const bool check_ok = (cond);                                                                    \
        if (!check_ok) std::fprintf(stderr, "mime_structure_fuzz.cpp:%d: check(%s)\n", __LINE__, #cond); \
        mailaccess::fuzz::check(check_ok);                                                               \
    } while (false)

using mailaccess::test::string_source;

namespace {

using numbers = std::vector<std::uint32_t>;

// The IMAP part number of every part (RFC 3501 section 6.4.5), or nullopt
// for a multipart that is a message's root (it has no number of its own).
std::vector<std::optional<numbers>> part_numbers(const mime::message_structure& s) {
    const auto& parts = s.parts();
    std::vector<std::optional<numbers>> num(parts.size());
    std::vector<numbers> prefix(parts.size());  // numbering prefix of a multipart's children
    std::vector<std::uint32_t> ordinal(parts.size(), 0);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& p = parts[i];
        const bool multi = p.kind == mime::part_kind::multipart;
        if (p.parent == mime::message_part::npos) {
            if (!multi) num[i] = numbers{1};
        } else {
            const auto& parent = parts[p.parent];
            if (parent.kind == mime::part_kind::multipart) {
                numbers n = prefix[p.parent];
                n.push_back(++ordinal[p.parent]);
                num[i] = n;
            } else if (!multi) {
                numbers n = *num[p.parent];
                n.push_back(1);
                num[i] = n;
            }
        }
        if (multi) {
            if (num[i])
                prefix[i] = *num[i];
            else if (p.parent != mime::message_part::npos)
                prefix[i] = *num[p.parent];
        }
    }
    return num;
}

// A multipart's media type is not on the wire; the parser says "MULTIPART".
void normalize(imap::body_structure& b) {
    if (b.type == imap::body_structure::kind::multipart) b.media_type = "MULTIPART";
    for (auto& p : b.parts) normalize(p);
}

void read_all(byte_source& src, const mime::section_content& c, bool body) {
    auto data = mime::read_section(src, c);
    check(data.has_value());
    check(data->size() == c.size);
    if (!body) return;
    check(data->find('\0') == std::string::npos);
    // No bare LF, unless the partial cut a CRLF in two (not used here).
    for (std::size_t i = 0; i < data->size(); ++i)
        if ((*data)[i] == '\n') check(i > 0 && (*data)[i - 1] == '\r');
}

void check_views(const mime::message_structure& s, std::string_view message) {
    string_source src{std::string(message)};
    const auto num = part_numbers(s);
    using text = imap::section_text;
    for (std::size_t i = 0; i < s.parts().size(); ++i) {
        if (!num[i]) continue;
        check(mime::find_part(s, *num[i]) == i);
        for (text t : {text::none, text::mime, text::header, text::text}) {
            auto spec = imap::section_spec::make(*num[i], t);
            check(spec.has_value());
            auto c = mime::resolve_section(s, *spec, std::nullopt, src);
            check(c.has_value());
            read_all(src, *c, true);
            auto cp = mime::resolve_section(s, *spec, imap::partial{3, 7}, src);
            check(cp.has_value());
            check(cp->size == std::min<std::uint64_t>(7, c->size > 3 ? c->size - 3 : 0));
            auto partial = mime::read_section(src, *cp);
            check(partial.has_value() && partial->size() == cp->size);
        }
        auto fields = imap::section_spec::make(*num[i], text::header_fields, {"Subject", "content-type"});
        check(fields.has_value());
        auto c = mime::resolve_section(s, *fields, std::nullopt, src);
        check(c.has_value());
        read_all(src, *c, false);
        auto b = mime::resolve_binary(s, *num[i]);
        if (!b) continue;
        auto size = mime::binary_size(src, *b);
        if (!size) continue;
        auto data = mime::read_binary(src, *b, std::nullopt);
        check(data.has_value() && data->size() == *size);
    }
    auto whole = mime::resolve_section(s, {}, std::nullopt, src);
    check(whole.has_value() && whole->size == s.imap_size());
    read_all(src, *whole, true);

    // BODYSTRUCTURE is valid IMAP: it parses back to the same value (a
    // message/global part is sent as a basic part, like Dovecot 2.3 does,
    // and the client parser reads that form too).
    const imap::body_structure body = mime::make_body_structure(s);
    for (std::size_t i = 1; i < s.parts().size(); ++i) (void)mime::make_body_structure(s, i);
    imap::writer w;
    w.raw("* 1 FETCH (BODYSTRUCTURE ");
    imap::write(w, body, true);
    w.raw(")").crlf();
    imap::parse_options opt;
    opt.max_depth = 4 * 128;
    auto parsed = imap::parse_response(w.buffer(), {}, opt);
    check(parsed.has_value());
    const auto* f = std::get_if<imap::fetch_data>(&*parsed);
    check(f != nullptr && f->items.size() == 1);
    const auto* item = std::get_if<imap::fetch_item_types::body>(&f->items.front());
    check(item != nullptr);
    imap::body_structure expected = body;
    normalize(expected);
    check(item->value == expected);
}

void fuzz_one(const fuzz::steered_input& steered) {
    const std::string_view input = steered.payload;
    mime::structure_limits limits;
    if (steered.control & 0x40) limits.max_nesting = 4;
    if (steered.control & 0x80) {
        limits.max_parts = 12;
        limits.max_header_size = 64;
    }

    mime::structure_parser parser(limits);
    parser.feed(input);
    const mime::message_structure s = parser.finish();
    check(s.size() == input.size());

    // Chunking never matters: split in two, then in small pieces.
    const std::size_t cut = (steered.control & 0x3f) * input.size() / 0x3f;
    parser.feed(input.substr(0, cut));
    parser.feed(input.substr(cut));
    check(parser.finish() == s);
    const std::size_t piece = 1 + (steered.control & 0x07);
    for (std::size_t i = 0; i < input.size(); i += piece) parser.feed(input.substr(i, piece));
    check(parser.finish() == s);

    const std::string entry = s.serialize();
    auto cached = mime::message_structure::deserialize(entry);
    check(cached.has_value() && *cached == s);
    // The partial readers of the cache form agree with the whole one.
    auto summary = mime::message_structure::peek_summary(entry);
    check(summary.has_value() && *summary == s.summary());
    auto envelope = mime::message_structure::peek_envelope(entry);
    check(envelope.has_value() && *envelope == s.envelope());
    // The input taken as a (damaged) cache entry: never a crash, and when
    // the whole reader accepts it, the partial ones say the same.
    auto as_entry = mime::message_structure::deserialize(input);
    auto peeked_summary = mime::message_structure::peek_summary(input);
    auto peeked_envelope = mime::message_structure::peek_envelope(input);
    if (as_entry) {
        check(peeked_summary.has_value() && *peeked_summary == as_entry->summary());
        check(peeked_envelope.has_value() && *peeked_envelope == as_entry->envelope());
    }

    // The header block found without parsing (a server's header sync) is
    // the one the parser found, and so are the fields taken from it.
    const auto head = mime::header_block_size(input);
    check(head ? *head == s.root().header_size : s.root().header_size == input.size());
    {
        string_source src{std::string(input)};
        auto spec = imap::section_spec::make({}, imap::section_text::header_fields_not, {"Subject"});
        check(spec.has_value());
        auto by_structure = mime::resolve_section(s, *spec, imap::partial{2, 40}, src);
        check(by_structure.has_value());
        const auto direct = mime::header_fields_section(
            input.substr(0, static_cast<std::size_t>(s.root().header_size)), *spec, imap::partial{2, 40});
        check(direct.generated == by_structure->generated && direct.skip == by_structure->skip &&
              direct.size == by_structure->size && direct.origin == by_structure->origin);
    }

    check_views(s, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
