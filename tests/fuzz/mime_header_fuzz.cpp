// Feeds arbitrary bytes to every leaf parser of the mime module: header
// fields and HEADER.FIELDS selections, the structured-field lexer, RFC 2047
// encoded words, Content-Type/Content-Disposition, address lists, dates,
// charsets, the transfer decoders, case folding and the substring matcher.
// The first byte picks a split point for the streaming decoders.
//
// Invariants: no crash, no failed assertion, and
// - everything that claims to produce text produces valid UTF-8;
// - the streaming decoders give the same output in one piece and split in
//   two, `measure` agrees with `decode`, and output stays within the bounds
//   the headers promise;
// - header entries tile the header block; HEADER.FIELDS.NOT with no names
//   is the header block itself;
// - Content-Type parameters, address lists and dates survive a round trip
//   through a canonical serialization (parse, write, parse: same values);
// - case folding is idempotent and the matcher agrees with a naive search.
#include <mailaccess/core/mutf7.hpp>
#include <mailaccess/mime/address.hpp>
#include <mailaccess/mime/base64_decoder.hpp>
#include <mailaccess/mime/case_fold.hpp>
#include <mailaccess/mime/charset.hpp>
#include <mailaccess/mime/content_type.hpp>
#include <mailaccess/mime/encoded_word.hpp>
#include <mailaccess/mime/field_lexer.hpp>
#include <mailaccess/mime/header_field.hpp>
#include <mailaccess/mime/header_selection.hpp>
#include <mailaccess/mime/message_date.hpp>
#include <mailaccess/mime/quoted_printable_decoder.hpp>
#include <mailaccess/mime/substring_matcher.hpp>
#include <mailaccess/mime/transfer_decoder.hpp>
#include <mailaccess/mime/utf8.hpp>

#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::mime;
using mailaccess::fuzz::check;

namespace {

void check_utf8(std::string_view s) { check(is_valid_utf8(s)); }

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

void fuzz_header(std::string_view in) {
    const header_block_end end = find_header_end(in);
    check(end.size <= in.size());
    check(end.blank_line_size <= end.size);
    const std::string_view block = in.substr(0, end.size);
    std::string tiled;
    std::size_t fields = 0;
    for (const header_field_view& f : header_fields_view(in)) {
        check(!f.raw.empty());
        check(f.raw.data() >= in.data() && f.raw.data() + f.raw.size() <= in.data() + in.size());
        check(f.value.data() >= f.raw.data() &&
              f.value.data() + f.value.size() <= f.raw.data() + f.raw.size());
        check(f.has_colon != f.name.empty());
        const std::string_view le = f.line_end();
        check(le.empty() || le == "\n" || le == "\r\n");
        const std::string unfolded = f.unfolded_value();
        check(unfolded.size() <= f.value.size());
        tiled.append(f.raw);
        ++fields;
        if (f.has_colon && fields < 8) {
            const auto first = find_field(in, f.name);
            check(first.has_value() && first->raw.data() <= f.raw.data());
        }
    }
    check(tiled == block.substr(0, block.size() - end.blank_line_size));
    check(select_header_fields_not(in, {}) == block);
    const std::vector<std::string> names = {"subject", "From", "X-\xff"};
    const std::string sel = select_header_fields(in, names);
    check(sel.size() >= 2 && sel.compare(sel.size() - 2, 2, "\r\n") == 0);
    check(sel.size() <= block.size() + 4 + 2 * fields);
    check(select_header_fields_not(in, names).size() <= block.size());
}

void fuzz_lexer(std::string_view in) {
    for (lexer_grammar g : {lexer_grammar::rfc5322, lexer_grammar::mime}) {
        field_lexer lex(in, g);
        std::size_t last = 0, tokens = 0;
        for (field_token t = lex.next(); t.kind != token_kind::end; t = lex.next()) {
            check(!t.raw.empty());
            check(static_cast<std::size_t>(t.raw.data() - in.data()) >= last);
            last = static_cast<std::size_t>(t.raw.data() - in.data()) + t.raw.size();
            check(last <= in.size());
            check(t.text().size() <= t.raw.size());
            check(++tokens <= in.size());
        }
        check(lex.offset() == in.size());
    }
}

void fuzz_encoded_words(std::string_view in) {
    const std::string out = decode_encoded_words(in);
    check_utf8(out);
    check(out.size() <= 3 * in.size());
    encoded_word_options opt;
    opt.decode_unknown_charsets = true;
    opt.raw_text_charset = charset::windows_1252;
    const std::string other = decode_encoded_words(in, opt);
    check_utf8(other);
    check(other.size() <= 3 * in.size());
}

// Plain parameters can be written back as `name="value"` and parse to the
// same values, unless their name has a "*" (garbage such as "a*1*0" is the
// parameter "a*1", which written back would be a continuation).
bool is_plain(const mime_parameter& p) { return !p.is_extended && p.name.find('*') == std::string::npos; }

void round_trip_parameters(const std::vector<mime_parameter>& params,
                           const std::vector<mime_parameter>& again) {
    std::vector<const mime_parameter*> plain;
    for (const auto& p : params)
        if (is_plain(p)) plain.push_back(&p);
    check(again.size() == plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
        check(again[i].name == plain[i]->name);
        check(again[i].wire_value == plain[i]->wire_value);
        check(again[i].value == plain[i]->value);
        check(!again[i].is_extended);
    }
}

void fuzz_content_type(std::string_view in) {
    if (const auto ct = parse_content_type(in)) {
        check(!ct->type.empty() && !ct->subtype.empty());
        check(ct->parameters.size() <= max_parameters);
        std::string text = ct->type + "/" + ct->subtype;
        for (const auto& p : ct->parameters) {
            check_utf8(p.value);
            check(!p.name.empty());
            if (is_plain(p)) text += "; " + p.name + "=" + quote(p.wire_value);
        }
        const auto again = parse_content_type(text);
        check(again.has_value());
        check(again->type == ct->type && again->subtype == ct->subtype);
        round_trip_parameters(ct->parameters, again->parameters);
    }
    if (const auto cd = parse_content_disposition(in)) {
        check(!cd->type.empty());
        for (const auto& p : cd->parameters) check_utf8(p.value);
    }
    (void)find_transfer_decoding(in);
}

std::string write_address_list(const std::vector<address>& list) {
    std::string out;
    for (const address& a : list) {
        if (!out.empty() && out.back() != ':') out += ", ";
        switch (a.kind) {
            case address::kind_type::group_start: out += quote(*a.mailbox) + ":"; break;
            case address::kind_type::group_end: out += ";"; break;
            case address::kind_type::mailbox:
                if (a.name) out += quote(*a.name) + " ";
                out += "<";
                if (a.adl) out += *a.adl + ":";
                out += quote(*a.mailbox) + "@" + *a.host + ">";
                break;
        }
    }
    return out;
}

void fuzz_addresses(std::string_view in) {
    address_list_options opt;
    opt.max_entries = 64;
    const auto list = parse_address_list(in, opt);
    check(list.size() <= opt.max_entries);
    bool in_group = false;
    bool round_trippable = true;
    for (const address& a : list) {
        switch (a.kind) {
            case address::kind_type::group_start:
                check(!in_group && a.mailbox && !a.host && !a.name && !a.adl);
                in_group = true;
                break;
            case address::kind_type::group_end:
                check(in_group && !a.mailbox && !a.host && !a.name && !a.adl);
                in_group = false;
                break;
            case address::kind_type::mailbox:
                check(a.mailbox && !a.mailbox->empty() && a.host && !a.host->empty());
                check(!a.name || !a.name->empty());
                check(!a.adl || !a.adl->empty());
                check_utf8(decode_display_name(a.name.value_or("")));
                // A host is written back as it was read; one that is not a
                // dot-atom or domain literal on its own would read differently.
                for (char c : *a.host)
                    if (!(is_atom_char(c, lexer_grammar::rfc5322) || c == '.')) round_trippable = false;
                if (a.adl)
                    for (char c : *a.adl)
                        if (!(is_atom_char(c, lexer_grammar::rfc5322) || c == '.' || c == '@' || c == ','))
                            round_trippable = false;
                break;
        }
    }
    check(!in_group);
    if (!round_trippable) return;
    const std::string text = write_address_list(list);
    const auto again = parse_address_list(text, opt);
    if (again != list) {
        std::fprintf(stderr, "address round trip differs for: %s\n", text.c_str());
        check(false);
    }
}

// H. Hinnant's civil_from_days, the inverse of days_from_civil.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<std::uint64_t>(z - era * 146097);
    const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::uint64_t mp = (5 * doy + 2) / 153;
    d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2 ? 1 : 0;
}

void fuzz_date(std::string_view in) {
    const auto d = parse_message_date(in);
    if (!d) return;
    check(d->is_zone_known || d->zone_minutes == 0);
    const std::int64_t local = d->local_seconds();
    const std::int64_t days = local / 86400 - (local % 86400 < 0 ? 1 : 0);
    const std::int64_t secs = local - days * 86400;
    std::int64_t y = 0;
    unsigned m = 0, day = 0;
    civil_from_days(days, y, m, day);
    if (y < 0 || y > 9999) return;
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int zone = d->zone_minutes;
    const int az = zone < 0 ? -zone : zone;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%u %s %04lld %02lld:%02lld:%02lld %c%02d%02d", day, months[m - 1],
                  static_cast<long long>(y), static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                  (zone < 0 || !d->is_zone_known) ? '-' : '+', az / 60, az % 60);
    const auto again = parse_message_date(buf);
    check(again.has_value());
    check(again->utc_seconds == d->utc_seconds);
    check(again->zone_minutes == d->zone_minutes);
    check(again->is_zone_known == d->is_zone_known);
}

void fuzz_charsets(std::string_view in, std::size_t split) {
    for (charset c : {charset::utf_8, charset::us_ascii, charset::iso_8859_1, charset::iso_8859_2,
                      charset::iso_8859_15, charset::windows_1250, charset::windows_1251,
                      charset::windows_1252, charset::koi8_r, charset::koi8_u}) {
        std::string whole;
        convert_to_utf8(c, in, whole);
        check_utf8(whole);
        check(whole.size() <= 3 * in.size() + 3);
        charset_decoder d(c);
        std::string parts;
        d.decode(in.substr(0, split), parts);
        d.decode(in.substr(split), parts);
        d.finish(parts);
        check(parts == whole);
    }
    check(sanitize_utf8(in) == [&] {
        std::string s;
        convert_to_utf8(charset::utf_8, in, s);
        return s;
    }());
}

void fuzz_transfer(std::string_view in, std::size_t split) {
    for (transfer_decoding kind :
         {transfer_decoding::identity, transfer_decoding::base64, transfer_decoding::quoted_printable}) {
        for (bool crlf : {false, true}) {
            const std::string whole = decode_transfer(kind, in, crlf);
            check(decoded_size(kind, in, crlf) == whole.size());
            check(whole.size() <= (crlf ? 2 * in.size() : in.size()));
            transfer_decoder d(kind, crlf);
            std::string parts;
            d.decode(in.substr(0, split), parts);
            d.decode(in.substr(split), parts);
            d.finish(parts);
            check(parts == whole);
            transfer_decoder clean_whole(kind, crlf);
            std::string ignored;
            clean_whole.decode(in, ignored);
            clean_whole.finish(ignored);
            check(clean_whole.is_clean() == d.is_clean());
        }
    }
    base64_decoder b;
    std::string out;
    b.decode(in, out);
    check(out.size() <= in.size());
}

std::u32string code_points(std::string_view utf8) {
    std::u32string out;
    const std::string clean = sanitize_utf8(utf8);
    for (std::size_t i = 0; i < clean.size();) {
        const utf8_step s = decode_utf8(std::string_view(clean).substr(i));
        out.push_back(fold_case(s.code_point));
        i += s.length;
    }
    return out;
}

void fuzz_search(std::string_view in, std::size_t split) {
    const std::string folded = fold_case(in);
    check_utf8(folded);
    check(fold_case(folded) == folded);
    // The needle is a short piece of the input, so that matches happen.
    const std::string_view needle = in.substr(split / 2, std::min<std::size_t>(8, in.size() - split / 2));
    const std::u32string hay = code_points(in), pin = code_points(needle);
    const bool naive =
        pin.empty() || std::search(hay.begin(), hay.end(), pin.begin(), pin.end()) != hay.end();
    check(contains_folded(in, needle) == naive);
    substring_matcher m(needle);
    m.feed(in.substr(0, split));
    m.feed(in.substr(split));
    m.start_text();
    check(m.matched() == naive);
}

void fuzz_one(const fuzz::steered_input& steered) {
    const std::string_view in = steered.payload;
    const std::size_t split = steered.split(131);
    fuzz_header(in);
    fuzz_lexer(in);
    fuzz_encoded_words(in);
    fuzz_content_type(in);
    fuzz_addresses(in);
    fuzz_date(in);
    fuzz_charsets(in, split);
    fuzz_transfer(in, split);
    fuzz_search(in, split);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
