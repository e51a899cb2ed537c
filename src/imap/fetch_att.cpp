#include <mailaccess/imap/fetch_att.hpp>

#include <mailaccess/imap/atom.hpp>

#include <array>
#include <string_view>
#include <utility>

namespace mailaccess::imap {
namespace {

constexpr std::array<std::pair<std::string_view, fetch_att::kind>, 11> simple_names{{
    {"ENVELOPE", fetch_att::kind::envelope},
    {"FLAGS", fetch_att::kind::flags},
    {"INTERNALDATE", fetch_att::kind::internaldate},
    {"RFC822", fetch_att::kind::rfc822},
    {"RFC822.HEADER", fetch_att::kind::rfc822_header},
    {"RFC822.SIZE", fetch_att::kind::rfc822_size},
    {"RFC822.TEXT", fetch_att::kind::rfc822_text},
    {"BODY", fetch_att::kind::body},
    {"BODYSTRUCTURE", fetch_att::kind::bodystructure},
    {"UID", fetch_att::kind::uid},
    {"MODSEQ", fetch_att::kind::modseq},
}};

bool has_zero(const std::vector<std::uint32_t>& part) {
    for (auto n : part)
        if (n == 0) return true;
    return false;
}

result<std::optional<partial>> optional_partial(parse_cursor& in) {
    if (!in.next_is('<')) return std::optional<partial>();
    auto p = parse_partial(in);
    if (!p) return unexpected(p.error());
    return std::optional<partial>(*p);
}

}  // namespace

fetch_att::fetch_att(kind k) : kind_(k) {
    MAILACCESS_ASSERT(k != kind::body_section && k != kind::binary && k != kind::binary_size);
}

fetch_att fetch_att::body_section(section_spec section, bool peek, std::optional<partial> range) {
    fetch_att a(kind::envelope);
    a.kind_ = kind::body_section;
    a.section_ = std::move(section);
    a.peek_ = peek;
    a.range_ = range;
    return a;
}

result<fetch_att> fetch_att::binary(std::vector<std::uint32_t> part, bool peek,
                                    std::optional<partial> range) {
    if (has_zero(part)) return unexpected(errc::bad_syntax);
    fetch_att a(kind::envelope);
    a.kind_ = kind::binary;
    a.binary_part_ = std::move(part);
    a.peek_ = peek;
    a.range_ = range;
    return a;
}

result<fetch_att> fetch_att::binary_size(std::vector<std::uint32_t> part) {
    if (has_zero(part)) return unexpected(errc::bad_syntax);
    fetch_att a(kind::envelope);
    a.kind_ = kind::binary_size;
    a.binary_part_ = std::move(part);
    return a;
}

result<fetch_att_list> fetch_att_list::make(std::vector<fetch_att> atts) {
    if (atts.empty()) return unexpected(errc::bad_syntax);
    fetch_att_list l;
    l.atts_ = std::move(atts);
    return l;
}

std::vector<fetch_att> fetch_att_list::expanded() const {
    if (!macro_) return atts_;
    using k = fetch_att::kind;
    std::vector<fetch_att> v{fetch_att(k::flags), fetch_att(k::internaldate), fetch_att(k::rfc822_size)};
    if (*macro_ != fetch_macro::fast) v.emplace_back(k::envelope);
    if (*macro_ == fetch_macro::full) v.emplace_back(k::body);
    return v;
}

result<fetch_att> parse_fetch_att(parse_cursor& in) {
    const std::string_view name = in.word();
    if (in.next_is('[')) {
        if (iequals(name, "BODY") || iequals(name, "BODY.PEEK")) {
            auto section = parse_section(in);
            if (!section) return unexpected(section.error());
            auto range = optional_partial(in);
            if (!range) return unexpected(range.error());
            return fetch_att::body_section(std::move(*section), name.size() > 4, *range);
        }
        if (iequals(name, "BINARY") || iequals(name, "BINARY.PEEK") || iequals(name, "BINARY.SIZE")) {
            auto part = parse_section_binary(in);
            if (!part) return unexpected(part.error());
            if (iequals(name, "BINARY.SIZE")) return fetch_att::binary_size(std::move(*part));
            auto range = optional_partial(in);
            if (!range) return unexpected(range.error());
            return fetch_att::binary(std::move(*part), name.size() > 6, *range);
        }
        return unexpected(errc::bad_syntax);
    }
    for (const auto& [n, k] : simple_names)
        if (iequals(name, n)) return fetch_att(k);
    return unexpected(errc::bad_syntax);
}

result<fetch_att_list> parse_fetch_att_list(parse_cursor& in) {
    if (in.consume('(')) {
        std::vector<fetch_att> atts;
        do {
            auto a = parse_fetch_att(in);
            if (!a) return unexpected(a.error());
            atts.push_back(std::move(*a));
        } while (in.consume(' '));
        if (!in.consume(')')) return unexpected(errc::bad_syntax);
        return fetch_att_list::make(std::move(atts));
    }
    const std::size_t save = in.position();
    const std::string_view name = in.word();
    if (!in.next_is('[')) {
        if (iequals(name, "ALL")) return fetch_att_list(fetch_macro::all);
        if (iequals(name, "FAST")) return fetch_att_list(fetch_macro::fast);
        if (iequals(name, "FULL")) return fetch_att_list(fetch_macro::full);
    }
    in.set_position(save);
    auto a = parse_fetch_att(in);
    if (!a) return unexpected(a.error());
    return fetch_att_list::make({std::move(*a)});
}

void write(writer& out, const fetch_att& value) {
    using k = fetch_att::kind;
    switch (value.type()) {
        case k::body_section:
            out.raw(value.is_peek() ? "BODY.PEEK" : "BODY");
            write(out, value.section());
            break;
        case k::binary:
            out.raw(value.is_peek() ? "BINARY.PEEK" : "BINARY");
            write_section_binary(out, value.binary_part());
            break;
        case k::binary_size:
            out.raw("BINARY.SIZE");
            write_section_binary(out, value.binary_part());
            break;
        default:
            for (const auto& [n, kk] : simple_names)
                if (kk == value.type()) out.raw(n);
            break;
    }
    if (value.range()) write(out, *value.range());
}

void write(writer& out, const fetch_att_list& value) {
    if (value.macro()) {
        switch (*value.macro()) {
            case fetch_macro::all: out.raw("ALL"); break;
            case fetch_macro::fast: out.raw("FAST"); break;
            case fetch_macro::full: out.raw("FULL"); break;
        }
        return;
    }
    const auto& atts = value.atts();
    if (atts.size() == 1) {
        write(out, atts.front());
        return;
    }
    out.raw('(');
    for (std::size_t i = 0; i < atts.size(); ++i) {
        if (i > 0) out.sp();
        write(out, atts[i]);
    }
    out.raw(')');
}

}  // namespace mailaccess::imap
