#include <mailaccess/imap/section.hpp>

#include <mailaccess/imap/string.hpp>

#include <algorithm>
#include <string_view>

namespace mailaccess::imap {
namespace {

// section-msgtext after its keyword has been recognised, or MIME.
result<section_text> parse_text_keyword(parse_cursor& in, bool allow_mime) {
    // Longest keyword first: HEADER.FIELDS.NOT, HEADER.FIELDS, HEADER.
    if (in.consume_keyword("HEADER.FIELDS.NOT")) return section_text::header_fields_not;
    if (in.consume_keyword("HEADER.FIELDS")) return section_text::header_fields;
    if (in.consume_keyword("HEADER")) return section_text::header;
    if (in.consume_keyword("TEXT")) return section_text::text;
    if (allow_mime && in.consume_keyword("MIME")) return section_text::mime;
    return unexpected(errc::bad_syntax);
}

result<std::vector<std::string>> parse_header_list(parse_cursor& in) {
    if (!in.consume(' ') || !in.consume('(')) return unexpected(errc::bad_syntax);
    std::vector<std::string> names;
    do {
        auto name = parse_astring(in);
        if (!name) return unexpected(name.error());
        names.push_back(std::move(*name));
    } while (in.consume(' '));
    if (!in.consume(')')) return unexpected(errc::bad_syntax);
    return names;
}

result<std::vector<std::uint32_t>> parse_section_part(parse_cursor& in) {
    std::vector<std::uint32_t> part;
    for (;;) {
        auto n = parse_nz_number(in);
        if (!n) return unexpected(n.error());
        part.push_back(*n);
        // "." is followed by another number or by section-text.
        const std::size_t save = in.position();
        if (!in.consume('.')) break;
        if (in.peek() < '0' || in.peek() > '9') {
            in.set_position(save);
            break;
        }
    }
    return part;
}

}  // namespace

namespace detail {

struct section_access {
    static section_spec make(std::vector<std::uint32_t> part, section_text text,
                             std::vector<std::string> fields) {
        section_spec s;
        s.part_ = std::move(part);
        s.text_ = text;
        if (!fields.empty()) s.fields_ = std::make_shared<const std::vector<std::string>>(std::move(fields));
        return s;
    }
};

}  // namespace detail

const std::vector<std::string>& section_spec::no_fields() noexcept {
    static const std::vector<std::string> none;
    return none;
}

namespace {

// A field name with a byte no header field name can hold. One pass: the
// string_view find_first_of calls memchr over the set per character (an
// eighth of a client's header sync).
bool has_nul_or_line_break(std::string_view name) noexcept {
    return std::any_of(name.begin(), name.end(), [](char c) { return c == '\0' || c == '\r' || c == '\n'; });
}

}  // namespace

result<section_spec> section_spec::make(std::vector<std::uint32_t> part, section_text text,
                                        std::vector<std::string> fields) {
    for (auto n : part)
        if (n == 0) return unexpected(errc::bad_syntax);
    if (text == section_text::mime && part.empty()) return unexpected(errc::bad_syntax);
    const bool wants_fields = text == section_text::header_fields || text == section_text::header_fields_not;
    if (wants_fields == fields.empty()) return unexpected(errc::bad_syntax);
    for (const auto& f : fields)
        if (has_nul_or_line_break(f)) return unexpected(errc::bad_syntax);
    section_spec s;
    s.part_ = std::move(part);
    s.text_ = text;
    if (!fields.empty()) s.fields_ = std::make_shared<const std::vector<std::string>>(std::move(fields));
    return s;
}

result<section_spec> parse_section(parse_cursor& in) {
    if (!in.consume('[')) return unexpected(errc::bad_syntax);
    if (in.consume(']')) return section_spec();
    std::vector<std::uint32_t> part;
    section_text text = section_text::none;
    if (in.peek() >= '0' && in.peek() <= '9') {
        auto p = parse_section_part(in);
        if (!p) return unexpected(p.error());
        part = std::move(*p);
        if (in.consume('.')) {
            auto t = parse_text_keyword(in, true);
            if (!t) return unexpected(t.error());
            text = *t;
        }
    } else {
        auto t = parse_text_keyword(in, false);
        if (!t) return unexpected(t.error());
        text = *t;
    }
    std::vector<std::string> fields;
    if (text == section_text::header_fields || text == section_text::header_fields_not) {
        auto names = parse_header_list(in);
        if (!names) return unexpected(names.error());
        fields = std::move(*names);
    }
    if (!in.consume(']')) return unexpected(errc::bad_syntax);
    // The grammar guarantees the other invariants (non-zero parts, MIME after
    // a part, at least one field name); a field name sent as a literal may
    // still hold CR, LF or NUL.
    for (const auto& f : fields)
        if (has_nul_or_line_break(f)) return unexpected(errc::bad_syntax);
    return detail::section_access::make(std::move(part), text, std::move(fields));
}

result<std::vector<std::uint32_t>> parse_section_binary(parse_cursor& in) {
    if (!in.consume('[')) return unexpected(errc::bad_syntax);
    std::vector<std::uint32_t> part;
    if (!in.next_is(']')) {
        auto p = parse_section_part(in);
        if (!p) return unexpected(p.error());
        part = std::move(*p);
    }
    if (!in.consume(']')) return unexpected(errc::bad_syntax);
    return part;
}

result<partial> parse_partial(parse_cursor& in) {
    if (!in.consume('<')) return unexpected(errc::bad_syntax);
    auto offset = parse_number64(in);
    if (!offset || !in.consume('.')) return unexpected(errc::bad_syntax);
    auto length = parse_nz_number64(in);
    if (!length || !in.consume('>')) return unexpected(errc::bad_syntax);
    return partial{*offset, *length};
}

void write(writer& out, const section_spec& value) {
    out.raw('[');
    for (std::size_t i = 0; i < value.part().size(); ++i) {
        if (i > 0) out.raw('.');
        out.number(value.part()[i]);
    }
    if (value.text() != section_text::none && !value.part().empty()) out.raw('.');
    switch (value.text()) {
        case section_text::none: break;
        case section_text::header: out.raw("HEADER"); break;
        case section_text::header_fields: out.raw("HEADER.FIELDS"); break;
        case section_text::header_fields_not: out.raw("HEADER.FIELDS.NOT"); break;
        case section_text::text: out.raw("TEXT"); break;
        case section_text::mime: out.raw("MIME"); break;
    }
    if (!value.fields().empty()) {
        out.raw(" (");
        for (std::size_t i = 0; i < value.fields().size(); ++i) {
            if (i > 0) out.sp();
            out.astring(value.fields()[i]);
        }
        out.raw(')');
    }
    out.raw(']');
}

void write_section_binary(writer& out, const std::vector<std::uint32_t>& part) {
    out.raw('[');
    for (std::size_t i = 0; i < part.size(); ++i) {
        if (i > 0) out.raw('.');
        out.number(part[i]);
    }
    out.raw(']');
}

void write(writer& out, const partial& value) {
    out.raw('<').number(value.offset).raw('.').number(value.length).raw('>');
}

}  // namespace mailaccess::imap
