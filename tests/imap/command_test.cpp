#include <mailaccess/imap/command.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;

namespace {

// One message as the framer delivers it, plus the bytes of streamed literals.
struct framed {
    std::string message;
    std::vector<framer::literal_info> literals;
    std::string streamed;
    bool ok = false;
};

// Runs `wire` through a server framer, accepting every literal; the first
// complete message is returned.
framed frame(std::string_view wire, framer_options options = {}) {
    framer f(framer_role::server, options);
    f.feed(wire);
    framed out;
    for (;;) {
        auto ev = f.next();
        if (std::holds_alternative<framer::need_more>(ev)) return out;
        if (std::holds_alternative<framer::literal_announced>(ev)) {
            f.accept_literal();
        } else if (auto* d = std::get_if<framer::literal_data>(&ev)) {
            out.streamed += d->bytes;
        } else if (std::holds_alternative<framer::message_ready>(ev)) {
            out.message = std::string(f.message());
            out.literals.assign(f.literals().begin(), f.literals().end());
            out.ok = true;
            return out;
        } else if (std::holds_alternative<framer::message_rejected>(ev) ||
                   std::holds_alternative<framer::fatal>(ev)) {
            return out;
        }
    }
}

result<command> parse(std::string_view wire, parse_options options = {}) {
    auto m = frame(wire);
    if (!m.ok) return unexpected(errc::bad_syntax);
    return parse_command(m.message, m.literals, options);
}

std::string wire(const command& c, writer_options options = {}) {
    writer out(options);
    write(out, c);
    return out.release();
}

// parse -> write -> parse gives an equal command, and writing is stable.
void check_round_trip(std::string_view text, writer_options options = {}) {
    INFO(text);
    auto first = parse(text);
    REQUIRE(first);
    const std::string again = wire(*first, options);
    INFO(again);
    auto second = parse(again);
    REQUIRE(second);
    CHECK(*second == *first);
    CHECK(wire(*second, options) == again);
}

template <class T>
const T& body_of(const result<command>& c) {
    REQUIRE(c);
    REQUIRE(std::holds_alternative<T>(c->body));
    return std::get<T>(c->body);
}

sequence_set seq(std::uint32_t first, std::uint32_t last) {
    const seq_range r{first, last};
    return *sequence_set::make(std::span<const seq_range>(&r, 1));
}

}  // namespace

TEST_CASE("RFC 3501 section 8 sample session parses", "[imap][command]") {
    auto login = parse("a001 login mrc secret\r\n");
    REQUIRE(login);
    CHECK(login->tag.str() == "a001");
    CHECK(body_of<cmd::login>(login).username == "mrc");
    CHECK(body_of<cmd::login>(login).password.reveal() == "secret");
    CHECK(command_name(*login) == "LOGIN");

    auto select = parse("a002 select inbox\r\n");
    CHECK(body_of<cmd::select>(select).mailbox.is_inbox());
    CHECK_FALSE(body_of<cmd::select>(select).condstore);

    auto full = parse("a003 fetch 12 full\r\n");
    const auto& f = body_of<cmd::fetch>(full);
    CHECK_FALSE(f.uid);
    CHECK(f.set == sequence_set::single(12));
    CHECK(f.atts == fetch_att_list(fetch_macro::full));

    auto header = parse("a004 fetch 12 body[header]\r\n");
    const auto& h = body_of<cmd::fetch>(header);
    REQUIRE(h.atts.atts().size() == 1);
    CHECK(h.atts.atts()[0] == fetch_att::body_section(*section_spec::make({}, section_text::header)));

    auto store = parse("a005 store 12 +flags \\deleted\r\n");
    const auto& s = body_of<cmd::store>(store);
    CHECK(s.set == sequence_set::single(12));
    CHECK(s.action == *store_att::make(store_mode::add, false, {flag(flag::kind::deleted)}));

    CHECK(std::holds_alternative<cmd::logout>(parse("a006 logout\r\n")->body));
}

TEST_CASE("any-state and not-authenticated commands", "[imap][command]") {
    CHECK(std::holds_alternative<cmd::capability>(parse("abcd CAPABILITY\r\n")->body));
    CHECK(std::holds_alternative<cmd::noop>(parse("a NOOP\n")->body));  // bare LF accepted
    CHECK(std::holds_alternative<cmd::starttls>(parse("a002 STARTTLS\r\n")->body));

    auto auth = parse("A001 AUTHENTICATE GSSAPI\r\n");
    CHECK(body_of<cmd::authenticate>(auth).mechanism.str() == "GSSAPI");
    CHECK_FALSE(body_of<cmd::authenticate>(auth).initial_response);

    // RFC 4959 section 3.
    auto ir = parse("a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n");
    REQUIRE(body_of<cmd::authenticate>(ir).initial_response);
    CHECK(body_of<cmd::authenticate>(ir).initial_response->reveal() == "dGVzdAB0ZXN0AHRlc3Q=");
    auto empty = parse("a01 AUTHENTICATE EXTERNAL =\r\n");
    REQUIRE(body_of<cmd::authenticate>(empty).initial_response);
    CHECK(body_of<cmd::authenticate>(empty).initial_response->empty());

    auto lit = parse("a1 LOGIN {5}\r\nhello \"pa ss\"\r\n");
    CHECK(body_of<cmd::login>(lit).username == "hello");
    CHECK(body_of<cmd::login>(lit).password.reveal() == "pa ss");
}

TEST_CASE("authenticated-state commands", "[imap][command]") {
    auto cs = parse("a SELECT INBOX (CONDSTORE)\r\n");
    CHECK(body_of<cmd::select>(cs).condstore);
    auto qr = parse("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n");
    const auto& q = body_of<cmd::select>(qr).qresync;
    REQUIRE(q);
    CHECK(q->uidvalidity == 67890007u);
    CHECK(q->modseq == 20050715194045000ull);
    CHECK(q->known_uids);
    CHECK_FALSE(q->seq_match);
    auto qr2 = parse(
        "B04 EXAMINE INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000 "
        "15000,22500,27000)))\r\n");
    const auto& q2 = body_of<cmd::examine>(qr2).qresync;
    REQUIRE(q2);
    REQUIRE(q2->seq_match);
    CHECK(q2->seq_match->second.ranges().size() == 3);

    CHECK(body_of<cmd::create>(parse("A003 CREATE owatagu/\r\n")).mailbox.str() == "owatagu/");
    CHECK(body_of<cmd::delete_>(parse("A683 DELETE blurdybloop\r\n")).mailbox.str() == "blurdybloop");
    auto ren = parse("A684 RENAME foo zowie\r\n");
    CHECK(body_of<cmd::rename>(ren).from.str() == "foo");
    CHECK(body_of<cmd::rename>(ren).to.str() == "zowie");
    CHECK(body_of<cmd::subscribe>(parse("A002 SUBSCRIBE #news.comp.mail.mime\r\n")).mailbox.str() ==
          "#news.comp.mail.mime");
    CHECK(std::holds_alternative<cmd::unsubscribe>(parse("A002 UNSUBSCRIBE #news.comp.mail.mime\r\n")->body));

    auto l1 = parse("A101 LIST \"\" \"\"\r\n");
    CHECK(body_of<cmd::list>(l1).reference.str().empty());
    CHECK(body_of<cmd::list>(l1).patterns == std::vector<std::string>{""});
    auto l2 = parse("A202 LIST ~/Mail/ %\r\n");
    CHECK(body_of<cmd::list>(l2).patterns == std::vector<std::string>{"%"});
    // RFC 5258 section 5, RFC 5819, RFC 6154.
    auto l3 = parse(
        "A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" \"*\") RETURN (CHILDREN SPECIAL-USE "
        "STATUS (MESSAGES UNSEEN))\r\n");
    const auto& l = body_of<cmd::list>(l3);
    CHECK(l.selection.size() == 2);
    CHECK(l.patterns == std::vector<std::string>{"%", "*"});
    CHECK(l.return_options.size() == 2);
    CHECK(l.return_status == std::vector<status_att>{status_att::messages, status_att::unseen});

    CHECK(body_of<cmd::lsub>(parse("A002 LSUB \"#news.\" \"comp.mail.*\"\r\n")).pattern == "comp.mail.*");
    auto st = parse("A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n");
    CHECK(body_of<cmd::status>(st).atts ==
          std::vector<status_att>{status_att::uidnext, status_att::messages});

    auto en = parse("t2 ENABLE CONDSTORE QRESYNC\r\n");
    CHECK(body_of<cmd::enable>(en).capabilities.size() == 2);
    auto id = parse("a023 ID (\"name\" \"sodr\" \"version\" NIL)\r\n");
    REQUIRE(body_of<cmd::id>(id).params);
    CHECK(body_of<cmd::id>(id).params->size() == 2);
    CHECK_FALSE(body_of<cmd::id>(parse("a ID NIL\r\n")).params);
    CHECK(std::holds_alternative<cmd::namespace_>(parse("A001 NAMESPACE\r\n")->body));
    CHECK(std::holds_alternative<cmd::idle>(parse("A001 IDLE\r\n")->body));
    CHECK(body_of<cmd::getquota>(parse("G GETQUOTA \"\"\r\n")).root.empty());
    CHECK(body_of<cmd::getquotaroot>(parse("A003 GETQUOTAROOT INBOX\r\n")).mailbox.is_inbox());
    auto sq = parse("S0000 SETQUOTA \"\" (STORAGE 512 MESSAGE 1000)\r\n");
    CHECK(body_of<cmd::setquota>(sq).limits.size() == 2);
    CHECK(body_of<cmd::setquota>(sq).limits[1].second == 1000u);
}

TEST_CASE("APPEND with the RFC 3501 {310} literal", "[imap][command]") {
    const std::string body =
        "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
        "From: Fred Foobar <foobar@Blurdybloop.COM>\r\n"
        "Subject: afternoon meeting\r\n"
        "To: mooch@owatagu.siam.edu\r\n"
        "Message-Id: <B27397-0100000@Blurdybloop.COM>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
        "\r\n"
        "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";
    REQUIRE(body.size() == 310);
    const std::string text = "A003 APPEND saved-messages (\\Seen) {310}\r\n" + body + "\r\n";

    SECTION("inline") {
        auto m = frame(text);
        REQUIRE(m.ok);
        auto c = parse_command(m.message, m.literals);
        const auto& a = body_of<cmd::append>(c);
        CHECK(a.mailbox.str() == "saved-messages");
        REQUIRE(a.messages.size() == 1);
        CHECK(a.messages[0].flags == std::vector<flag>{flag(flag::kind::seen)});
        CHECK(a.messages[0].data == body);
        CHECK(a.messages[0].size == 310u);
        CHECK_FALSE(a.messages[0].streamed);
        check_round_trip(text);
    }
    SECTION("streamed") {
        framer_options o;
        o.streaming_threshold = 64;
        auto m = frame(text, o);
        REQUIRE(m.ok);
        CHECK(m.message == "A003 APPEND saved-messages (\\Seen) {310}\r\n\r\n");
        CHECK(m.streamed == body);
        auto c = parse_command(m.message, m.literals);
        const auto& a = body_of<cmd::append>(c);
        REQUIRE(a.messages.size() == 1);
        CHECK(a.messages[0].streamed);
        CHECK(a.messages[0].data.empty());
        CHECK(a.messages[0].size == 310u);
        CHECK(a.messages[0].literal_index == 0u);
        // A streamed literal anywhere but APPEND data is refused.
        auto login = frame("a LOGIN {100}\r\n" + std::string(100, 'x') + " pw\r\n", o);
        REQUIRE(login.ok);
        CHECK(parse_command(login.message, login.literals).error() == errc::bad_syntax);
    }
    SECTION("MULTIAPPEND and literal8") {
        auto c = parse(
            "a APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {3}\r\nabc {2+}\r\nde ~{1}\r\nf\r\n");
        const auto& a = body_of<cmd::append>(c);
        REQUIRE(a.messages.size() == 3);
        CHECK(a.messages[0].internal_date);
        CHECK(a.messages[1].data == "de");
        CHECK(a.messages[1].flags.empty());
        CHECK(a.messages[2].binary);
        check_round_trip(
            "a APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {3}\r\nabc {2+}\r\nde ~{1}\r\nf\r\n");
    }
}

TEST_CASE("selected-state commands", "[imap][command]") {
    CHECK(std::holds_alternative<cmd::check>(parse("FXXZ CHECK\r\n")->body));
    CHECK(std::holds_alternative<cmd::close>(parse("A341 CLOSE\r\n")->body));
    CHECK(std::holds_alternative<cmd::unselect>(parse("A342 UNSELECT\r\n")->body));
    // RFC 4978 section 3 example.
    auto compress = parse("a COMPRESS DEFLATE\r\n");
    CHECK(body_of<cmd::compress>(compress).algorithm.str() == "DEFLATE");
    CHECK(command_name(*compress) == "COMPRESS");
    CHECK_FALSE(parse("a COMPRESS\r\n"));
    CHECK_FALSE(parse("a COMPRESS \"DEFLATE\"\r\n"));
    CHECK(std::holds_alternative<cmd::expunge>(parse("A202 EXPUNGE\r\n")->body));
    CHECK(body_of<cmd::uid_expunge>(parse("A003 UID EXPUNGE 3000:3002\r\n")).uids == seq(3000, 3002));

    auto s1 = parse("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
    CHECK(body_of<cmd::search>(s1).keys.size() == 3);
    auto s2 = parse("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX\r\n");
    CHECK(body_of<cmd::search>(s2).charset == std::optional<std::string>("UTF-8"));
    auto s3 = parse("A283 UID SEARCH RETURN (MIN COUNT) UNSEEN\r\n");
    CHECK(body_of<cmd::search>(s3).uid);
    REQUIRE(body_of<cmd::search>(s3).return_options);
    CHECK(body_of<cmd::search>(s3).return_options->size() == 2);
    CHECK(command_name(*s3) == "UID SEARCH");

    auto f1 = parse("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
    CHECK(body_of<cmd::fetch>(f1).changedsince == std::optional<std::uint64_t>(12345));
    CHECK(body_of<cmd::fetch>(f1).vanished);
    auto st = parse("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n");
    CHECK(body_of<cmd::store>(st).unchangedsince == std::optional<std::uint64_t>(320162338));
    CHECK(body_of<cmd::store>(st).action.is_silent());
    auto cp = parse("A003 COPY 2:4 MEETING\r\n");
    CHECK(body_of<cmd::copy>(cp).set == seq(2, 4));
    CHECK(body_of<cmd::copy>(cp).mailbox.str() == "MEETING");
    auto mv = parse("a UID MOVE 42:69 foo\r\n");
    CHECK(body_of<cmd::move>(mv).uid);
}

TEST_CASE("invalid commands are errors", "[imap][command]") {
    struct bad_case {
        std::string_view text;
        errc expected;
    };
    const bad_case cases[] = {
        {"a FOO\r\n", errc::unknown_command},
        {"a XLIST \"\" *\r\n", errc::unknown_command},
        {"a UID FOO 1\r\n", errc::bad_syntax},
        {"a\r\n", errc::bad_syntax},
        {"+a NOOP\r\n", errc::bad_syntax},
        {"a  NOOP\r\n", errc::bad_syntax},
        {"a NOOP \r\n", errc::bad_syntax},
        {"a NOOP x\r\n", errc::bad_syntax},
        {"a NOOP\r", errc::bad_syntax},
        {"a LOGIN\r\n", errc::bad_syntax},
        {"a LOGIN user\r\n", errc::bad_syntax},
        {"a LOGIN user  pass\r\n", errc::bad_syntax},
        {"a LOGIN user pass extra\r\n", errc::bad_syntax},
        {"a AUTHENTICATE\r\n", errc::bad_syntax},
        {"a AUTHENTICATE PLAIN abc\r\n", errc::bad_syntax},
        {"a AUTHENTICATE PLAIN a=bc\r\n", errc::bad_syntax},
        {"a SELECT\r\n", errc::bad_syntax},
        {"a SELECT INBOX ()\r\n", errc::bad_syntax},
        {"a SELECT INBOX (FOO)\r\n", errc::bad_syntax},
        {"a SELECT INBOX (CONDSTORE CONDSTORE)\r\n", errc::bad_syntax},
        {"a SELECT INBOX (QRESYNC (0 1))\r\n", errc::bad_syntax},
        {"a RENAME foo\r\n", errc::bad_syntax},
        {"a LIST \"\"\r\n", errc::bad_syntax},
        {"a LIST \"\" * RETURN\r\n", errc::bad_syntax},
        {"a LIST \"\" * RETURNS ()\r\n", errc::bad_syntax},
        {"a LIST \"\" ()\r\n", errc::bad_syntax},
        {"a STATUS INBOX ()\r\n", errc::bad_syntax},
        {"a STATUS INBOX (FOO)\r\n", errc::bad_syntax},
        {"a APPEND INBOX\r\n", errc::bad_syntax},
        {"a APPEND INBOX (\\Seen)\r\n", errc::bad_syntax},
        {"a APPEND INBOX \"abc\"\r\n", errc::bad_syntax},
        {"a ENABLE\r\n", errc::bad_syntax},
        {"a ID\r\n", errc::bad_syntax},
        {"a ID (\"a\")\r\n", errc::bad_syntax},
        {"a SETQUOTA \"\" (STORAGE)\r\n", errc::bad_syntax},
        {"a SEARCH\r\n", errc::bad_syntax},
        {"a SEARCH FOO\r\n", errc::bad_syntax},
        {"a SEARCH CHARSET\r\n", errc::bad_syntax},
        {"a FETCH 1\r\n", errc::bad_syntax},
        {"a FETCH 0 FLAGS\r\n", errc::bad_syntax},
        {"a FETCH 1 FLAGS (VANISHED)\r\n", errc::bad_syntax},
        {"a UID FETCH 1 FLAGS (VANISHED)\r\n", errc::bad_syntax},
        {"a FETCH 1 FLAGS (CHANGEDSINCE 0)\r\n", errc::bad_syntax},
        {"a STORE 1 FLAGS\r\n", errc::bad_syntax},
        {"a STORE 1 (UNCHANGEDSINCE 5) +FLAGZ (\\Seen)\r\n", errc::bad_syntax},
        {"a COPY 1\r\n", errc::bad_syntax},
        {"a COPY 1:x foo\r\n", errc::bad_syntax},
        {"a UID EXPUNGE\r\n", errc::bad_syntax},
        {"a CREATE \"a\x01b\"\r\n", errc::bad_mailbox_name},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto r = parse(c.text);
        REQUIRE_FALSE(r);
        CHECK(r.error() == c.expected);
    }
}

TEST_CASE("every command round-trips", "[imap][command]") {
    for (std::string_view text : {
             "a001 login mrc secret\r\n",
             "a1 LOGIN \"user name\" {4}\r\np\"ss\r\n",
             "a002 select inbox\r\n",
             "a003 fetch 12 full\r\n",
             "a004 fetch 12 body[header]\r\n",
             "a005 store 12 +flags \\deleted\r\n",
             "a006 logout\r\n",
             "a CAPABILITY\r\n",
             "a NOOP\r\n",
             "a STARTTLS\r\n",
             "a AUTHENTICATE PLAIN\r\n",
             "a AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n",
             "a AUTHENTICATE EXTERNAL =\r\n",
             "a SELECT INBOX (CONDSTORE QRESYNC (1 2 1:5 (1:3 4:6)))\r\n",
             "a EXAMINE \"a b\" (QRESYNC (1 2 (1 2)))\r\n",
             "a CREATE &AMk-t&AOk-\r\n",
             "a DELETE foo\r\n",
             "a RENAME foo bar\r\n",
             "a SUBSCRIBE foo\r\n",
             "a UNSUBSCRIBE foo\r\n",
             "a LIST \"\" \"\"\r\n",
             "a LIST (SUBSCRIBED) \"\" (% \"a b\" *) RETURN (CHILDREN STATUS (MESSAGES))\r\n",
             "a LIST \"\" % RETURN (STATUS (UIDNEXT))\r\n",
             "a LSUB \"#news.\" comp.mail.*\r\n",
             "a STATUS INBOX (MESSAGES UNSEEN)\r\n",
             "a APPEND INBOX {3}\r\nabc\r\n",
             "a ENABLE CONDSTORE UTF8=ACCEPT\r\n",
             "a ID NIL\r\n",
             "a ID ()\r\n",
             "a ID (\"name\" \"x\" \"os\" NIL)\r\n",
             "a NAMESPACE\r\n",
             "a IDLE\r\n",
             "a GETQUOTA \"\"\r\n",
             "a GETQUOTAROOT INBOX\r\n",
             "a SETQUOTA \"\" (STORAGE 512)\r\n",
             "a SETQUOTA r ()\r\n",
             "a CHECK\r\n",
             "a CLOSE\r\n",
             "a UNSELECT\r\n",
             "a EXPUNGE\r\n",
             "a UID EXPUNGE 1:3,5\r\n",
             "a SEARCH RETURN () CHARSET UTF-8 OR FROM x (SUBJECT y) UID 1:*\r\n",
             "a UID SEARCH RETURN (SAVE) MODSEQ 5\r\n",
             "a FETCH 1:* (FLAGS BODY.PEEK[1.HEADER.FIELDS (From)]<0.10>) (CHANGEDSINCE 7)\r\n",
             "a UID FETCH 1 ALL (CHANGEDSINCE 7 VANISHED)\r\n",
             "a STORE $ -FLAGS.SILENT (\\Seen foo)\r\n",
             "a UID STORE 1 (UNCHANGEDSINCE 0) FLAGS ()\r\n",
             "a COPY 1 \"x y\"\r\n",
             "a UID COPY 1 x\r\n",
             "a MOVE 1:2 x\r\n",
             "a UID MOVE 1 x\r\n",
             "a COMPRESS DEFLATE\r\n",
         }) {
        check_round_trip(text);
    }
    // Literal styles and short quoting limits change the wire form, not the value.
    writer_options o;
    o.literals = literal_support::literal_plus;
    o.max_quoted_length = 2;
    check_round_trip("a LOGIN \"long user\" \"longer password\"\r\n", o);
    check_round_trip("a APPEND INBOX (\\Seen) {3}\r\nabc {1}\r\nd\r\n", o);
}

TEST_CASE("written commands split into fragments at literals", "[imap][command]") {
    auto c = parse("a APPEND INBOX {3}\r\nabc\r\n");
    REQUIRE(c);
    writer out;
    write(out, *c);
    const auto pieces = out.fragments();
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[0].data == "a APPEND INBOX {3}\r\n");
    CHECK(pieces[1].data == "abc");
    CHECK(pieces[2].data == "\r\n");
}
