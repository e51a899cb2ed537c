#include <mailaccess/imap/types.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;

namespace {

// Parses all of `text` with `fn`; a value only when every byte was consumed.
template <class F>
auto parse_all(F fn, std::string_view text, parse_options options = {})
    -> decltype(fn(std::declval<parse_cursor&>())) {
    parse_cursor in(text, options);
    auto r = fn(in);
    if (r && !in.at_end()) return unexpected(errc::bad_syntax);
    return r;
}

// Serializes `value` with `write`.
template <class T>
std::string wire(const T& value, writer_options options = {}) {
    writer out(options);
    write(out, value);
    return out.release();
}

// parse -> write -> parse gives the same value, and writing is stable.
template <class F>
void check_round_trip(F fn, std::string_view text, parse_options popt = {}, writer_options wopt = {}) {
    INFO(text);
    auto first = parse_all(fn, text, popt);
    REQUIRE(first);
    const std::string again = wire(*first, wopt);
    INFO(again);
    auto second = parse_all(fn, again, popt);
    REQUIRE(second);
    CHECK(*second == *first);
    CHECK(wire(*second, wopt) == again);
}

// Typed wrappers, so overload sets can be passed as values.
auto p_seq = [](parse_cursor& in) { return parse_sequence_set(in); };
auto p_mailbox = [](parse_cursor& in) { return parse_mailbox(in); };
auto p_search = [](parse_cursor& in) { return parse_search_key(in); };
auto p_fetch = [](parse_cursor& in) { return parse_fetch_att_list(in); };
auto p_date = [](parse_cursor& in) { return parse_date(in); };
auto p_date_time = [](parse_cursor& in) { return parse_date_time(in); };
auto p_flag_list = [](parse_cursor& in) { return parse_flag_list(in); };
auto p_store = [](parse_cursor& in) { return parse_store_att_flags(in); };
auto p_status = [](parse_cursor& in) { return parse_status_att_list(in); };
auto p_caps = [](parse_cursor& in) { return parse_capability_data(in); };
auto p_section = [](parse_cursor& in) { return parse_section(in); };

std::string astring_wire(std::string_view s, writer_options o = {}) {
    writer out(o);
    out.astring(s);
    return out.release();
}

}  // namespace

TEST_CASE("tag and atom accept only their grammar", "[imap][types]") {
    CHECK(tag::make("a001"));
    CHECK(tag::make("A]1"));  // resp-specials are ASTRING-CHARs
    for (std::string_view bad : {"", "a+1", "a 1", "a(1", "a*", "a%", "a\"", "a\\", "a{", "\x80", "a\x01"}) {
        INFO(bad);
        CHECK(tag::make(bad).error() == errc::bad_syntax);
    }
    CHECK(atom::make("$Forwarded"));
    CHECK(atom::make("AUTH=PLAIN"));
    CHECK(atom::make("LITERAL+"));
    for (std::string_view bad : {"", "a]", "a b", "a)", "\x7f"}) {
        INFO(bad);
        CHECK(atom::make(bad).error() == errc::bad_syntax);
    }
    parse_cursor in("a.1 NOOP");
    auto t = parse_tag(in);
    REQUIRE(t);
    CHECK(t->str() == "a.1");
    CHECK(in.rest() == " NOOP");
    parse_cursor plus("+ go");
    CHECK(parse_tag(plus).error() == errc::bad_syntax);
    CHECK(atom::make("Seen")->iequals("SEEN"));
}

TEST_CASE("strings: atom, quoted with escapes, literal, literal8", "[imap][types]") {
    CHECK(*parse_all(parse_astring, "hello") == "hello");
    CHECK(*parse_all(parse_astring, "a]b") == "a]b");
    CHECK(*parse_all(parse_astring, "\"a \\\"b\\\\ c\"") == "a \"b\\ c");
    CHECK(*parse_all(parse_astring, "{5}\r\nhe\r\no") == "he\r\no");
    CHECK(*parse_all(parse_astring, "{3+}\r\nabc") == "abc");
    CHECK(*parse_all(parse_astring, "\"\"") == "");
    CHECK(*parse_all(parse_literal8, std::string_view("~{3}\r\na\0b", 9)) == std::string("a\0b", 3));
    CHECK_FALSE(*parse_all(parse_nstring, "NIL"));
    CHECK(**parse_all(parse_nstring, "\"NIL\"") == "NIL");
    for (std::string_view bad : {"", "\"abc", "\"a\\b\"", "\"a\rb\"", "{5}\r\nabc", "{x}\r\nabc", "{3}abc",
                                 "(a", "\"caf\xc3\xa9\""}) {
        INFO(bad);
        CHECK_FALSE(parse_all(parse_astring, bad));
    }
    CHECK_FALSE(parse_all(parse_literal, std::string_view("{3}\r\na\0b", 8)));
    CHECK_FALSE(parse_all(parse_string, "atom"));
    // UTF8=ACCEPT allows UTF-8 in quoted strings, never malformed UTF-8.
    parse_options utf8;
    utf8.utf8_accept = true;
    CHECK(*parse_all(parse_astring, "\"caf\xc3\xa9\"", utf8) == "caf\xc3\xa9");
    CHECK_FALSE(parse_all(parse_astring, "\"caf\xc3\"", utf8));
    CHECK_FALSE(parse_all(parse_astring, "\"\xed\xa0\x80\"", utf8));
}

TEST_CASE("writer picks atom, quoted or literal", "[imap][types]") {
    CHECK(astring_wire("INBOX") == "INBOX");
    CHECK(astring_wire("") == "\"\"");
    CHECK(astring_wire("two words") == "\"two words\"");
    CHECK(astring_wire("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(astring_wire("a*b") == "\"a*b\"");
    CHECK(astring_wire("line\r\nbreak") == "{11}\r\nline\r\nbreak");
    CHECK(astring_wire("caf\xc3\xa9") == "{5}\r\ncaf\xc3\xa9");
    writer_options utf8;
    utf8.utf8_accept = true;
    CHECK(astring_wire("caf\xc3\xa9", utf8) == "\"caf\xc3\xa9\"");
    CHECK(astring_wire("bad\xc3", utf8) == "{4}\r\nbad\xc3");
    writer_options shortq;
    shortq.max_quoted_length = 4;
    CHECK(astring_wire("a b c", shortq) == "{5}\r\na b c");
    writer_options plus;
    plus.literals = literal_support::literal_plus;
    CHECK(astring_wire("a\nb", plus) == "{3+}\r\na\nb");
    writer_options minus;
    minus.literals = literal_support::literal_minus;
    CHECK(astring_wire("a\nb", minus) == "{3+}\r\na\nb");
    CHECK(astring_wire(std::string(5000, '\n'), minus).substr(0, 8) == "{5000}\r\n");
    writer nil;
    nil.nstring(std::nullopt).sp().nstring(std::string("NIL"));
    CHECK(nil.buffer() == "NIL \"NIL\"");
    writer bin;
    bin.string(std::string("a\0b", 3));
    CHECK(bin.buffer() == std::string("~{3}\r\na\0b", 9));
    CHECK(bin.literals().front().binary);
}

TEST_CASE("writer reports literal positions and fragments for the client", "[imap][types]") {
    writer out;
    out.raw("a1 LOGIN ").astring("joe\r\n").sp().astring("pass word").crlf();
    const std::string_view all = out.buffer();
    CHECK(all == "a1 LOGIN {5}\r\njoe\r\n \"pass word\"\r\n");
    REQUIRE(out.literals().size() == 1);
    CHECK(out.literals()[0] == literal_position{14, 5, literal_mode::sync, false});
    auto pieces = out.fragments();
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[0].type == fragment::kind::line);
    CHECK(pieces[0].data == "a1 LOGIN {5}\r\n");
    CHECK(pieces[1].type == fragment::kind::literal);
    CHECK(pieces[1].data == "joe\r\n");
    CHECK(pieces[1].mode == literal_mode::sync);
    CHECK(pieces[2].data == " \"pass word\"\r\n");
    std::string joined;
    for (const auto& p : pieces) joined += p.data;
    CHECK(joined == all);
    writer plain;
    plain.raw("a2 NOOP").crlf();
    REQUIRE(plain.fragments().size() == 1);
    CHECK(plain.fragments()[0].data == "a2 NOOP\r\n");

    // clear() forgets everything but the storage: the writer then writes as a new one.
    out.literal_slot(10, false);
    out.clear();
    CHECK(out.buffer().empty());
    CHECK(out.literals().empty());
    CHECK(out.fragments().size() == writer{}.fragments().size());
    out.raw("a3 LOGIN ").astring("joe\r\n").crlf();
    writer fresh;
    fresh.raw("a3 LOGIN ").astring("joe\r\n").crlf();
    CHECK(out.buffer() == fresh.buffer());
    CHECK(out.literals() == fresh.literals());
}

TEST_CASE("numbers are bounded by their rule", "[imap][types]") {
    CHECK(*parse_all(parse_number, "4294967295") == 4294967295u);
    CHECK_FALSE(parse_all(parse_number, "4294967296"));
    CHECK(*parse_all(parse_number, "0") == 0u);
    CHECK_FALSE(parse_all(parse_nz_number, "0"));
    CHECK_FALSE(parse_all(parse_nz_number, "01"));
    CHECK(*parse_all(parse_number64, "9223372036854775807") == max_number64);
    CHECK_FALSE(parse_all(parse_number64, "9223372036854775808"));
    CHECK_FALSE(parse_all(parse_mod_sequence_value, "0"));
    CHECK(*parse_all(parse_mod_sequence_valzer, "0") == 0u);
    CHECK_FALSE(parse_all(parse_number, ""));
    CHECK_FALSE(parse_all(parse_number, "-1"));
}

TEST_CASE("mailbox names: INBOX, modified UTF-7, UTF8=ACCEPT", "[imap][types]") {
    auto inbox = parse_all(p_mailbox, "inBox");
    REQUIRE(inbox);
    CHECK(inbox->is_inbox());
    CHECK(inbox->str() == "INBOX");
    CHECK(*parse_all(p_mailbox, "\"INBOX\"") == mailbox_name());
    CHECK(parse_all(p_mailbox, "INBOX.sub")->str() == "INBOX.sub");

    const std::string polish = "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87";  // Zażółć
    auto zaz = mailbox_name::make(polish);
    REQUIRE(zaz);
    CHECK(wire(*zaz) == "Za&AXwA8wFCAQc-");
    CHECK(*parse_all(p_mailbox, "Za&AXwA8wFCAQc-") == *zaz);
    // "&" itself is "&-"; the quoted form is needed for the space.
    auto amp = mailbox_name::make("Tom & Jerry");
    REQUIRE(amp);
    CHECK(wire(*amp) == "\"Tom &- Jerry\"");
    CHECK(parse_all(p_mailbox, "\"Tom &- Jerry\"")->str() == "Tom & Jerry");
    // RFC 3501 5.1.3's example.
    CHECK(parse_all(p_mailbox, "~peter/mail/&U,BTFw-/&ZeVnLIqe-")->str() ==
          "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");

    // With UTF8=ACCEPT the wire form is UTF-8, and "&" is just a character.
    writer_options wutf8;
    wutf8.utf8_accept = true;
    parse_options putf8;
    putf8.utf8_accept = true;
    CHECK(wire(*zaz, wutf8) == "\"" + polish + "\"");  // 8-bit octets are not ASTRING-CHARs
    CHECK(*parse_all(p_mailbox, "\"" + polish + "\"", putf8) == *zaz);
    CHECK(parse_all(p_mailbox, "A&B", putf8)->str() == "A&B");

    for (std::string_view bad : {"A&B", "&U,B-", "\"a\\\"\"x"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_mailbox, bad));
    }
    CHECK(parse_all(p_mailbox, "A&B").error() == errc::bad_mailbox_name);
    CHECK(parse_all(p_mailbox, "&AAk-").error() == errc::bad_mailbox_name);  // a TAB
    // Not the canonical spelling (RFC 3501 5.1.3): "a" and "INBOX" in base64.
    CHECK(parse_all(p_mailbox, "&AGE-").error() == errc::bad_mailbox_name);
    CHECK(parse_all(p_mailbox, "&AEkATgBCAE8AWA-").error() == errc::bad_mailbox_name);
    CHECK(mailbox_name::make("a\tb").error() == errc::bad_mailbox_name);
    CHECK(mailbox_name::make("a\xc2\x85").error() == errc::bad_mailbox_name);      // U+0085
    CHECK(mailbox_name::make("a\xe2\x80\xa8").error() == errc::bad_mailbox_name);  // U+2028
    CHECK(mailbox_name::make("\xc3").error() == errc::bad_mailbox_name);
    CHECK(mailbox_name::make("")->str().empty());

    for (std::string_view ok : {"INBOX", "Za&AXwA8wFCAQc-", "\"Tom &- Jerry\"", "\"\"", "a/b/c"})
        check_round_trip(p_mailbox, ok);
    check_round_trip(p_mailbox, "\"" + polish + "\"", putf8, wutf8);
}

TEST_CASE("sequence sets: RFC 3501 examples, normalisation, membership", "[imap][types]") {
    auto s = parse_all(p_seq, "2:4,7,9,12:*");
    REQUIRE(s);
    CHECK(s->ranges() == std::vector<seq_range>{{2, 4}, {7, 7}, {9, 9}, {12, star}});
    CHECK(wire(*s) == "2:4,7,9,12:*");
    // 15 messages: 2,3,4,7,9,12..15.
    std::vector<std::uint32_t> seen;
    s->for_each(15, [&](std::uint32_t n) { seen.push_back(n); });
    CHECK(seen == std::vector<std::uint32_t>{2, 3, 4, 7, 9, 12, 13, 14, 15});
    CHECK(s->contains(13, 15));
    CHECK_FALSE(s->contains(5, 15));
    CHECK_FALSE(s->contains(16, 15));
    // With 10 messages "12:*" means 10:12, so 10 is in and 11, 12 do not exist.
    CHECK(s->contains(10, 10));
    CHECK(s->resolve(10) == std::vector<seq_range>{{2, 4}, {7, 7}, {9, 10}});
    CHECK(s->resolve(0).empty());

    CHECK(wire(*parse_all(p_seq, "4:2,3,7,*")) == "2:4,7,*");
    CHECK(wire(*parse_all(p_seq, "1:5,3:*")) == "1:*");
    CHECK(wire(*parse_all(p_seq, "5,4,3,1")) == "1,3:5");
    CHECK(wire(*parse_all(p_seq, "*:4")) == "4:*");
    CHECK(*parse_all(p_seq, "1,2,3") == *parse_all(p_seq, "1:3"));
    CHECK(parse_all(p_seq, "*")->contains(7, 7));

    auto last = parse_all(p_seq, "$");
    REQUIRE(last);
    CHECK(last->is_last_result());
    CHECK(wire(*last) == "$");

    for (std::string_view bad : {"", "0", "1:0", "1,", ",1", "1::2", "a", "1:", "$,1", "01"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_seq, bad));
    }
    std::string many;
    for (int i = 0; i <= static_cast<int>(sequence_set::max_ranges); ++i) many += (i ? ",1" : "1");
    CHECK(parse_all(p_seq, many).error() == errc::too_many_ranges);
    CHECK(sequence_set::make({}).error() == errc::bad_syntax);

    for (std::string_view ok : {"1", "*", "$", "2:4,7,9,12:*", "4294967295:1", "1:*,5"})
        check_round_trip(p_seq, ok);
}

TEST_CASE("flags: system, keyword, extension, \\Recent, \\*", "[imap][types]") {
    auto list = parse_all(p_flag_list, "(\\seen \\ANSWERED $Forwarded \\Ext)");
    REQUIRE(list);
    REQUIRE(list->size() == 4);
    CHECK((*list)[0].type() == flag::kind::seen);
    CHECK((*list)[1].type() == flag::kind::answered);
    CHECK((*list)[2].type() == flag::kind::keyword);
    CHECK((*list)[3].type() == flag::kind::extension);
    CHECK(wire(*list) == "(\\Seen \\Answered $Forwarded \\Ext)");
    CHECK(parse_all(p_flag_list, "()")->empty());

    // \Recent only in flag-fetch, \* only in flag-perm.
    CHECK_FALSE(parse_all(parse_flag, "\\Recent"));
    CHECK(parse_all(parse_flag_fetch, "\\recent")->type() == flag::kind::recent);
    CHECK_FALSE(parse_all(parse_flag, "\\*"));
    CHECK(parse_all(parse_flag_perm, "\\*")->type() == flag::kind::wildcard);
    CHECK(flag::make("\\*")->text() == "\\*");
    for (std::string_view bad : {"", "\\", "(\\Seen", "(\\Seen )", "( \\Seen)", "(a b"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_flag_list, bad));
    }
    CHECK_FALSE(flag::make("a b"));
    CHECK_FALSE(flag::make("\\"));
    check_round_trip(p_flag_list, "(\\Seen \\Deleted \\Draft \\Flagged $Junk \\X-Ext)");
}

TEST_CASE("dates and date-times", "[imap][types]") {
    auto d = parse_all(p_date, "1-Feb-1994");
    REQUIRE(d);
    CHECK(*d == *date::make(1994, 2, 1));
    CHECK(wire(*d) == "1-Feb-1994");
    CHECK(*parse_all(p_date, "\"01-feb-1994\"") == *d);
    CHECK(*parse_all(p_date, "29-Feb-2000") == *date::make(2000, 2, 29));
    for (std::string_view bad : {"29-Feb-1900", "32-Jan-2000", "1-Foo-2000", "1-Feb-94", "123-Feb-1994",
                                 "\"1-Feb-1994", "0-Jan-2000", "1 Feb 1994"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_date, bad));
    }

    auto t = parse_all(p_date_time, "\"17-Jul-1996 02:44:25 -0700\"");
    REQUIRE(t);
    CHECK(t->day() == *date::make(1996, 7, 17));
    CHECK(t->hour() == 2);
    CHECK(t->minute() == 44);
    CHECK(t->second() == 25);
    CHECK(t->zone_minutes() == -420);
    CHECK(wire(*t) == "\"17-Jul-1996 02:44:25 -0700\"");
    auto padded = parse_all(p_date_time, "\" 1-Jan-2000 00:00:00 +0530\"");
    REQUIRE(padded);
    CHECK(padded->zone_minutes() == 330);
    CHECK(wire(*padded) == "\"01-Jan-2000 00:00:00 +0530\"");
    for (std::string_view bad : {"17-Jul-1996 02:44:25 -0700", "\"17-Jul-1996 02:44:25\"",
                                 "\"1-Jul-1996 02:44:25 -0700\"", "\"17-Jul-1996 24:00:00 +0000\"",
                                 "\"17-Jul-1996 02:44:25 +0060\"", "\"17-Jul-1996 2:44:25 +0000\""}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_date_time, bad));
    }
    check_round_trip(p_date, "31-Dec-9999");
    check_round_trip(p_date_time, "\"17-Jul-1996 02:44:25 -0700\"");
    check_round_trip(p_date_time, "\"29-Feb-2024 23:59:60 +9959\"");
    for (std::string_view fixed : {"\"01-Jan-0001 00:00:00 +0000\"", "\"31-Dec-9999 23:59:59 -9959\"",
                                   "\"09-Sep-2009 09:09:09 -0930\"", "\"10-Oct-1010 10:10:10 +1010\""}) {
        INFO(fixed);
        auto v = parse_all(p_date_time, fixed);
        REQUIRE(v);
        CHECK(wire(*v) == fixed);
    }
}

TEST_CASE("section specs and partial ranges", "[imap][types]") {
    auto s = parse_all(p_section, "[1.2.HEADER.FIELDS (DATE FROM)]");
    REQUIRE(s);
    CHECK(s->part() == std::vector<std::uint32_t>{1, 2});
    CHECK(s->text() == section_text::header_fields);
    CHECK(s->fields() == std::vector<std::string>{"DATE", "FROM"});
    CHECK(parse_all(p_section, "[]")->text() == section_text::none);
    CHECK(parse_all(p_section, "[header.fields.not (Subject)]")->text() == section_text::header_fields_not);
    CHECK(parse_all(p_section, "[3.MIME]")->text() == section_text::mime);
    CHECK(parse_all(p_section, "[TEXT]")->part().empty());
    for (std::string_view bad : {"[MIME]", "[0]", "[1.]", "[1.2.FOO]", "[HEADER.FIELDS]",
                                 "[HEADER.FIELDS ()]", "[HEADER", "[1.HEADER.FIELDS (A]", "[.1]"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_section, bad));
    }
    CHECK_FALSE(section_spec::make({}, section_text::header, {"X"}));
    CHECK_FALSE(section_spec::make({1}, section_text::header_fields, {"A\r\nB"}));
    for (std::string_view ok : {"[1.2.HEADER.FIELDS (DATE FROM)]", "[]", "[4.2.1]", "[2.TEXT]",
                                "[HEADER.FIELDS.NOT (\"X Y\" Z)]", "[1.MIME]"})
        check_round_trip(p_section, ok);
}

TEST_CASE("fetch attributes and macros", "[imap][types]") {
    auto l = parse_all(p_fetch, "BODY[1.2.HEADER.FIELDS (DATE FROM)]<0.2048>");
    REQUIRE(l);
    REQUIRE(l->atts().size() == 1);
    const auto& a = l->atts()[0];
    CHECK(a.type() == fetch_att::kind::body_section);
    CHECK_FALSE(a.is_peek());
    CHECK(a.section().fields().size() == 2);
    CHECK(a.range() == partial{0, 2048});
    CHECK(wire(*l) == "BODY[1.2.HEADER.FIELDS (DATE FROM)]<0.2048>");

    auto all = parse_all(p_fetch, "all");
    REQUIRE(all);
    CHECK(all->macro() == fetch_macro::all);
    CHECK(all->expanded().size() == 4);
    CHECK(parse_all(p_fetch, "FAST")->expanded().size() == 3);
    CHECK(parse_all(p_fetch, "FULL")->expanded().back() == fetch_att(fetch_att::kind::body));

    auto list = parse_all(p_fetch,
                          "(FLAGS UID RFC822.SIZE BODY.PEEK[] BODYSTRUCTURE BINARY.PEEK[1.2]<5.10> "
                          "BINARY.SIZE[3] BINARY[] MODSEQ ENVELOPE INTERNALDATE RFC822 RFC822.HEADER "
                          "RFC822.TEXT BODY)");
    REQUIRE(list);
    CHECK(list->atts().size() == 15);
    CHECK(list->atts()[3].is_peek());
    CHECK(list->atts()[5].binary_part() == std::vector<std::uint32_t>{1, 2});
    CHECK(list->atts()[6].type() == fetch_att::kind::binary_size);
    CHECK(list->atts()[8].type() == fetch_att::kind::modseq);
    // A one-item list and a bare item are the same request.
    CHECK(*parse_all(p_fetch, "(FLAGS)") == *parse_all(p_fetch, "FLAGS"));

    for (std::string_view bad : {"", "()", "(ALL)", "FOO", "BODY[", "BODY[]<1>", "BODY[]<0.0>",
                                 "BINARY[TEXT]", "(FLAGS", "(FLAGS  UID)", "UID[]", "ALL[]"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_fetch, bad));
    }
    for (std::string_view ok :
         {"ALL", "fast", "Full", "BODY[1.2.HEADER.FIELDS (DATE FROM)]<0.2048>",
          "(FLAGS BODY.PEEK[TEXT]<10.1>)", "(BINARY.PEEK[1]<0.5> BINARY.SIZE[] MODSEQ)", "body.peek[header]"})
        check_round_trip(p_fetch, ok);
}

TEST_CASE("search keys: RFC 3501 examples, nesting, MODSEQ", "[imap][types]") {
    // RFC 3501 6.4.4: SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"
    parse_cursor in("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
    std::vector<search_key> keys;
    do {
        auto k = parse_search_key(in);
        REQUIRE(k);
        keys.push_back(std::move(*k));
    } while (in.consume(' '));
    CHECK(in.at_end());
    REQUIRE(keys.size() == 3);
    CHECK(keys[0] == search_key::simple(search_key::kind::flagged));
    CHECK(keys[1] == search_key::with_date(search_key::kind::since, *date::make(1994, 2, 1)));
    CHECK(keys[2] == search_key::negate(search_key::with_string(search_key::kind::from, "Smith")));

    auto either = parse_all(p_search, "OR (SEEN FROM joe) (UNSEEN LARGER 1024)");
    REQUIRE(either);
    CHECK(either->type == search_key::kind::or_);
    REQUIRE(either->children.size() == 2);
    CHECK(either->children[0].type == search_key::kind::list);
    CHECK(either->children[1].children[1] == search_key::with_number(search_key::kind::larger, 1024));
    CHECK(wire(*either) == "OR (SEEN FROM joe) (UNSEEN LARGER 1024)");

    CHECK(*parse_all(p_search, "2:4,7") ==
          search_key::with_set(search_key::kind::sequence, *parse_all(p_seq, "2:4,7")));
    CHECK(parse_all(p_search, "UID $")->set->is_last_result());
    CHECK(*parse_all(p_search, "header Message-ID \"<a@b>\"") == search_key::header("Message-ID", "<a@b>"));
    CHECK(parse_all(p_search, "KEYWORD $Junk")->keyword->str() == "$Junk");
    CHECK(parse_all(p_search, "SUBJECT {5}\r\nhi\r\nx")->value == "hi\r\nx");

    // RFC 7162 3.4: MODSEQ "/flags/\\draft" all 620162338
    auto m = parse_all(p_search, "MODSEQ \"/flags/\\\\draft\" all 620162338");
    REQUIRE(m);
    CHECK(m->number == 620162338u);
    REQUIRE(m->entry);
    CHECK(m->entry->flag.type() == flag::kind::draft);
    CHECK(m->entry->type == entry_type::all);
    CHECK(wire(*m) == "MODSEQ \"/flags/\\\\Draft\" all 620162338");
    CHECK(parse_all(p_search, "MODSEQ 0")->number == 0u);

    for (std::string_view bad : {"", "FOO", "FROM", "FROM ", "OR SEEN", "NOT", "()", "(SEEN", "SINCE 1994",
                                 "LARGER x", "UID 0", "KEYWORD \\Seen", "MODSEQ \"/flags/\\\\Seen\" 5",
                                 "MODSEQ \"/x/y\" all 5", "SEEN)", "(SEEN  DRAFT)"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_search, bad));
    }

    for (std::string_view ok : {"ALL",
                                "OR (SEEN FROM joe) (UNSEEN LARGER 1024)",
                                "NOT NOT DELETED",
                                "((ANSWERED))",
                                "SENTBEFORE 1-Jan-2000",
                                "SENTON \"2-Mar-2001\"",
                                "SENTSINCE 3-Apr-2002",
                                "BEFORE 4-May-2003",
                                "ON 5-Jun-2004",
                                "BCC a",
                                "BODY \"x y\"",
                                "CC \"\"",
                                "TEXT {3}\r\na\nb",
                                "TO NIL",
                                "SMALLER 0",
                                "UNKEYWORD $X",
                                "NEW OLD RECENT",
                                "UNANSWERED",
                                "UNDELETED",
                                "UNDRAFT",
                                "UNFLAGGED",
                                "DRAFT",
                                "MODSEQ \"/flags/$Junk\" priv 1",
                                "MODSEQ \"/flags/\\\\X\" shared 9223372036854775807",
                                "UID 1:*,$"}) {
        parse_cursor c(ok);
        auto k = parse_search_key(c);
        if (!c.at_end()) continue;  // multi-key inputs are covered above
        check_round_trip(p_search, ok);
    }
}

TEST_CASE("search key nesting is bounded by max_depth", "[imap][types]") {
    parse_options shallow;
    shallow.max_depth = 3;
    CHECK(parse_all(p_search, "((ALL))", shallow));
    CHECK(parse_all(p_search, "((((ALL))))", shallow).error() == errc::nesting_too_deep);
    CHECK(parse_all(p_search, "NOT NOT NOT NOT ALL", shallow).error() == errc::nesting_too_deep);
    CHECK(parse_all(p_search, "OR OR OR OR ALL ALL ALL ALL ALL", shallow).error() == errc::nesting_too_deep);
    // The default bound stops a hostile 100000-deep nest without exhausting the stack.
    std::string deep(100000, '(');
    CHECK(parse_all(p_search, deep).error() == errc::nesting_too_deep);
    std::string nots;
    for (int i = 0; i < 100000; ++i) nots += "NOT ";
    CHECK(parse_all(p_search, nots + "ALL").error() == errc::nesting_too_deep);
    // A cursor can be reused after a failure: depth is released on every path.
    parse_cursor in("(((ALL) X", shallow);
    CHECK_FALSE(parse_search_key(in));
    in.set_position(0);
    parse_cursor ok("(((ALL)))", shallow);
    CHECK(parse_search_key(ok));
}

TEST_CASE("status attributes, store attributes, capabilities", "[imap][types]") {
    auto st = parse_all(p_status, "(MESSAGES recent UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE DELETED)");
    REQUIRE(st);
    CHECK(st->size() == 8);
    CHECK((*st)[5] == status_att::highestmodseq);
    CHECK(wire(*st) == "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE DELETED)");
    for (std::string_view bad : {"()", "MESSAGES", "(MESSAGES", "(FOO)", "(MESSAGES )"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_status, bad));
    }
    check_round_trip(p_status, "(UIDNEXT MESSAGES)");

    auto s = parse_all(p_store, "+FLAGS.SILENT (\\Deleted $Junk)");
    REQUIRE(s);
    CHECK(s->mode() == store_mode::add);
    CHECK(s->is_silent());
    CHECK(s->flags().size() == 2);
    auto bare = parse_all(p_store, "-flags \\Seen \\Flagged");
    REQUIRE(bare);
    CHECK(bare->mode() == store_mode::remove);
    CHECK(wire(*bare) == "-FLAGS (\\Seen \\Flagged)");
    CHECK(parse_all(p_store, "FLAGS ()")->flags().empty());
    for (std::string_view bad :
         {"FLAGS", "+FLAGS (\\Recent)", "FLAGS \\*", "*FLAGS (a)", "FLAGS.LOUD (a)", "+FLAGS  (a)"}) {
        INFO(bad);
        CHECK_FALSE(parse_all(p_store, bad));
    }
    CHECK_FALSE(store_att::make(store_mode::add, false, {flag(flag::kind::recent)}));
    for (std::string_view ok : {"FLAGS ()", "+FLAGS.SILENT (\\Deleted $Junk)", "-FLAGS \\Seen"})
        check_round_trip(p_store, ok);

    auto caps = parse_all(p_caps, "CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN STARTTLS");
    REQUIRE(caps);
    REQUIRE(caps->size() == 4);
    CHECK((*caps)[0].is("imap4REV1"));
    CHECK((*caps)[2].is_auth());
    CHECK((*caps)[2].auth_mechanism() == "PLAIN");
    CHECK_FALSE((*caps)[1].is_auth());
    CHECK_FALSE(parse_all(p_caps, "CAPABILITY STARTTLS"));
    CHECK_FALSE(parse_all(p_caps, "CAPABILITY IMAP4rev1 (X)"));
    CHECK_FALSE(capability::make("A B"));
    check_round_trip(p_caps, "CAPABILITY IMAP4rev2 IDLE AUTH=SCRAM-SHA-256");
}
