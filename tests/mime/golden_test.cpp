// The golden corpus (tests/data/mime, README.md there): every message's
// RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE, BODY[] and sections, BINARY
// and BINARY.SIZE must equal what Dovecot 2.3.19 answered, except for the
// deliberate differences listed in `deliberate` below (and in the README's
// "Deliberate differences" section).
//
// ENVELOPE and BODYSTRUCTURE are compared as wire text written by
// imap::write. Where the text differs only in how imap::writer chose to
// represent a value (a quoted string where Dovecot sent a literal, a
// one-element Content-Language without parentheses), both texts are parsed
// back with imap::parse_response and the values must be equal; the summary
// counts exact and value-only matches separately.
#include <mailaccess/mime/binary_view.hpp>
#include <mailaccess/mime/body_structure_view.hpp>
#include <mailaccess/mime/section_view.hpp>
#include <mailaccess/mime/structure_parser.hpp>

#include <mailaccess/core/base64.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/mime/error.hpp>

#include "support/string_source.hpp"
#include "support/to_crlf.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace mailaccess;
using json = nlohmann::json;
using mailaccess::test::string_source;
using mailaccess::test::to_crlf;

namespace {

// Fields of the corpus we deliberately answer differently from Dovecot
// (tests/data/mime/README.md, "Deliberate differences"). `field` is a JSON
// key ("body", "bodystructure", ...) or "sections/<spec>" / "binary/<part>".
struct difference {
    const char* file;
    const char* field;
    const char* ours;  ///< our exact answer, checked instead
    const char* reason;
};
constexpr difference deliberate[] = {
    {"034-invalid-ct-no-subtype", "body", R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 48 1))",
     "invalid Content-Type is text/plain; charset=us-ascii (RFC 2045 section 5.2), not \"\" \"\" (README "
     "item 7)"},
    {"034-invalid-ct-no-subtype", "bodystructure",
     R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 48 1 NIL NIL NIL NIL))", "as body"},
    {"035-invalid-ct-garbage", "body", R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 1))",
     "invalid Content-Type is text/plain; charset=us-ascii (RFC 2045 section 5.2), not \"\" \"\" (README "
     "item 7)"},
    {"035-invalid-ct-garbage", "bodystructure",
     R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 1 NIL NIL NIL NIL))", "as body"},
};

const difference* find_deliberate(const std::string& file, const std::string& field) {
    for (const auto& d : deliberate)
        if (file == d.file && field == d.field) return &d;
    return nullptr;
}

bool is_deliberate(const std::string& file, const std::string& field) {
    return find_deliberate(file, field) != nullptr;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string bytes_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    auto decoded = base64_decode(v.at("base64").get<std::string>());
    REQUIRE(decoded.has_value());
    return *decoded;
}

std::string wire(const imap::envelope& e) {
    imap::writer w;
    imap::write(w, e);
    return std::string(w.buffer());
}

std::string wire(const imap::body_structure& b, bool extended) {
    imap::writer w;
    imap::write(w, b, extended);
    return std::string(w.buffer());
}

// Parses a FETCH item value back into the model, for value comparisons.
std::optional<imap::fetch_item> parse_item(const std::string& item, const std::string& text) {
    imap::parse_options opt;
    opt.max_depth = 1000;
    auto r = imap::parse_response("* 1 FETCH (" + item + " " + text + ")\r\n", {}, opt);
    if (!r) return std::nullopt;
    const auto* f = std::get_if<imap::fetch_data>(&*r);
    if (f == nullptr || f->items.size() != 1) return std::nullopt;
    return f->items.front();
}

struct tally {
    int exact = 0;
    int value_only = 0;
    int skipped = 0;
    int failed = 0;
};
std::map<std::string, tally> summary;
std::vector<std::string> value_only;  // "file field" whose wire text differs only in representation

// Compares a wire value: exact text, else the parsed values.
void compare_wire(const std::string& file, const std::string& field, const std::string& item,
                  const std::string& ours, const std::string& theirs) {
    auto& t = summary[field];
    if (const difference* d = find_deliberate(file, field)) {
        INFO(file << " " << field << ": deliberate difference (" << d->reason << ")");
        CHECK(ours == d->ours);
        ++t.skipped;
        return;
    }
    if (ours == theirs) {
        ++t.exact;
        return;
    }
    auto a = parse_item(item, ours);
    auto b = parse_item(item, theirs);
    INFO(file << " " << field << "\n ours:    " << ours << "\n dovecot: " << theirs);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    const bool same = *a == *b;
    CHECK(same);
    ++(same ? t.value_only : t.failed);
    if (same) value_only.push_back(file + " " + field);
}

void compare_bytes(const std::string& file, const std::string& field, const std::string& ours,
                   const std::string& theirs) {
    auto& t = summary[field.substr(0, field.find('/'))];
    if (is_deliberate(file, field)) {
        ++t.skipped;
        return;
    }
    INFO(file << " " << field);
    CHECK(ours == theirs);
    ++(ours == theirs ? t.exact : t.failed);
}

imap::section_spec section_of(const std::string& key, std::optional<imap::partial>& partial) {
    partial.reset();
    if (!key.empty() && key[0] == '<') {
        imap::parse_cursor in(key);
        auto p = imap::parse_partial(in);
        REQUIRE(p.has_value());
        partial = *p;
        return {};
    }
    const std::string text = "[" + key + "]";
    imap::parse_cursor in(text);
    auto s = imap::parse_section(in);
    INFO(key);
    REQUIRE(s.has_value());
    REQUIRE(in.at_end());
    return *s;
}

std::vector<std::uint32_t> numbers_of(const std::string& part) {
    std::vector<std::uint32_t> out;
    std::stringstream in(part);
    std::string n;
    while (std::getline(in, n, '.')) out.push_back(static_cast<std::uint32_t>(std::stoul(n)));
    return out;
}

std::vector<std::filesystem::path> corpus() {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(MAILACCESS_TEST_DATA_DIR "/mime/messages"))
        if (e.path().extension() == ".eml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

void check_message(const std::filesystem::path& path) {
    const std::string name = path.stem().string();
    const json expected =
        json::parse(read_file(path.parent_path().parent_path() / "expected" / (name + ".json")));
    string_source source(read_file(path));
    INFO(name);

    auto parsed = mime::parse_structure(source, {}, 4096);
    REQUIRE(parsed.has_value());
    const mime::message_structure& s = *parsed;

    // Chunking never matters (STYLE.md section 8), and the cache form
    // round-trips.
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{61}}) {
        mime::structure_parser p;
        for (std::size_t i = 0; i < source.data().size(); i += chunk)
            p.feed(std::string_view(source.data()).substr(i, chunk));
        CHECK(p.finish() == s);
    }
    auto again = mime::message_structure::deserialize(s.serialize());
    CHECK(again.has_value());
    if (again) CHECK(*again == s);
    // The summary read off the front of the cache form is the structure's.
    auto peeked = mime::message_structure::peek_summary(s.serialize());
    CHECK(peeked.has_value());
    if (peeked) CHECK(*peeked == s.summary());
    auto envelope = mime::message_structure::peek_envelope(s.serialize());
    CHECK(envelope.has_value());
    if (envelope) CHECK(*envelope == s.envelope());

    {
        auto& t = summary["rfc822_size"];
        CHECK(s.imap_size() == expected.at("rfc822_size").get<std::uint64_t>());
        ++(s.imap_size() == expected.at("rfc822_size").get<std::uint64_t>() ? t.exact : t.failed);
    }
    compare_wire(name, "envelope", "ENVELOPE", wire(s.envelope()),
                 expected.at("envelope").get<std::string>());
    const imap::body_structure body = mime::make_body_structure(s);
    compare_wire(name, "body", "BODY", wire(body, false), expected.at("body").get<std::string>());
    compare_wire(name, "bodystructure", "BODYSTRUCTURE", wire(body, true),
                 expected.at("bodystructure").get<std::string>());

    {
        auto c = mime::resolve_section(s, {}, std::nullopt, source);
        REQUIRE(c.has_value());
        auto data = mime::read_section(source, *c);
        REQUIRE(data.has_value());
        const json& fb = expected.at("full_body");
        std::string want;
        if (fb.is_string() && fb.get<std::string>() == "file")
            want = source.data();
        else if (fb.is_string() && fb.get<std::string>() == "file_crlf")
            want = to_crlf(source.data());
        else
            want = bytes_of(fb);
        compare_bytes(name, "full_body", *data, want);
        CHECK(c->size == want.size());
    }

    // Every part number Dovecot knows names a part of the same kind.
    for (const auto& entry : expected.at("parts")) {
        const std::string number = entry.at(0).get<std::string>();
        const std::string kind = entry.at(1).get<std::string>();
        const std::uint32_t index = mime::find_part(s, numbers_of(number));
        INFO("part " << number);
        bool ok = index != mime::message_part::npos;
        CHECK(ok);
        if (ok) {
            const mime::message_part& p = s.parts()[index];
            const char* ours = p.kind == mime::part_kind::multipart ? "multipart"
                               : p.kind == mime::part_kind::message ? "message"
                                                                    : "leaf";
            CHECK(kind == ours);
            ok = kind == ours;
        }
        auto& t = summary["parts"];
        ++(ok ? t.exact : t.failed);
    }

    for (const auto& [key, value] : expected.at("sections").items()) {
        std::optional<imap::partial> partial;
        const imap::section_spec spec = section_of(key, partial);
        auto c = mime::resolve_section(s, spec, partial, source);
        REQUIRE(c.has_value());
        auto data = mime::read_section(source, *c);
        REQUIRE(data.has_value());
        const std::string want = bytes_of(value);
        compare_bytes(name, "sections/" + key, *data, want);
        CHECK(c->size == want.size());
    }

    for (const auto& [key, value] : expected.at("binary").items()) {
        const std::string field = "binary/" + key;
        auto& t = summary["binary"];
        if (is_deliberate(name, field)) {
            ++t.skipped;
            continue;
        }
        INFO("BINARY[" << key << "]");
        const auto numbers = numbers_of(key);
        auto b = mime::resolve_binary(s, numbers);
        std::error_code error = b ? std::error_code{} : b.error();
        std::optional<std::uint64_t> size;
        std::string data;
        if (b) {
            auto n = mime::binary_size(source, *b);
            if (!n) {
                error = n.error();
            } else {
                size = *n;
                auto d = mime::read_binary(source, *b, std::nullopt);
                REQUIRE(d.has_value());
                data = *d;
            }
        }
        bool ok = true;
        if (value.contains("error")) {
            const std::string want = value.at("error").get<std::string>();
            // Dovecot's refusals (README item 26) and the errors we map to them.
            const bool unknown_cte = want.find("[UNKNOWN-CTE]") != std::string::npos;
            CHECK(error ==
                  (unknown_cte ? mime::errc::unknown_transfer_encoding : mime::errc::bad_encoded_data));
            ok =
                error == (unknown_cte ? mime::errc::unknown_transfer_encoding : mime::errc::bad_encoded_data);
        } else {
            CHECK_FALSE(error);
            if (error) {
                ++t.failed;
                continue;
            }
            const std::string want = bytes_of(value.at("data"));
            CHECK(*size == value.at("size").get<std::uint64_t>());
            CHECK(data == want);
            CHECK(b->literal8 == value.value("literal8", false));
            ok = *size == value.at("size").get<std::uint64_t>() && data == want &&
                 b->literal8 == value.value("literal8", false);
        }
        ++(ok ? t.exact : t.failed);
    }
}

}  // namespace

TEST_CASE("golden corpus matches Dovecot 2.3.19", "[mime][golden]") {
    summary.clear();
    value_only.clear();
    const auto files = corpus();
    REQUIRE(files.size() >= 114);
    for (const auto& f : files) check_message(f);
    std::ostringstream out;
    out << "golden corpus: " << corpus().size() << " messages\n";
    for (const auto& [field, t] : summary)
        out << "  " << field << ": exact " << t.exact << ", same value " << t.value_only << ", deliberate "
            << t.skipped << ", failed " << t.failed << "\n";
    for (const auto& v : value_only) out << "  same value, other representation: " << v << "\n";
    std::cout << out.str();
    for (const auto& [field, t] : summary) CHECK(t.failed == 0);
}

TEST_CASE("every deliberate difference names a corpus field", "[mime][golden]") {
    std::set<std::string> files;
    for (const auto& f : corpus()) files.insert(f.stem().string());
    for (const auto& d : deliberate) {
        INFO(d.file << " " << d.field);
        CHECK(files.count(d.file) == 1);
        CHECK(std::string(d.reason).size() > 0);
    }
}
