// The RFC examples as data (tests/data/imap/transcripts/*.txt), run through
// the codec in both directions (STYLE.md section 8): the client lines of a
// transcript through a server-role framer and parse_command, the server lines
// through a client-role framer and parse_response. Every message parses,
// round-trips through write, and gives the same result whatever the chunking.
//
// Transcript notation, one line each:
//   "C: text"  a client line: command text or literal octets
//   "C+ text"  client continuation data, not a command: an AUTHENTICATE
//              response, framed in line mode, or the IDLE "DONE" line
//   "C? text"  a client line that does not go through: a whole message
//              parse_command must reject, or a line announcing a literal the
//              server refuses in the RFC (the test calls reject_literal and
//              the framer drops the command)
//   "S: text"  a server line: response text or literal octets
//   "S? text"  a whole server message parse_response must reject
//   "# text"   a comment; blank lines are ignored
// "C:", "C+", "C?", "S:" alone are empty lines; trailing spaces are part of
// the line. Each line is sent with CRLF.

#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/response.hpp>

#include <catch2/catch.hpp>
#include <support/split_feed.hpp>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;

namespace {

// --- the data ----------------------------------------------------------------

enum class line_class {
    normal,    // "C: " / "S: "
    raw,       // "C+ " other than DONE: line mode
    raw_done,  // "C+ DONE": framed as an ordinary message (framer doc)
    refuse,    // "C? " / "S? "
};

struct line_info {
    line_class type = line_class::normal;
    int number = 0;    // line number in the file
    std::string text;  // without CRLF
};

// One direction of a transcript: the bytes and what each line is.
struct stream {
    std::string bytes;
    std::map<std::size_t, line_info> lines;  // by the offset where the line starts

    line_class class_at(std::size_t offset) const {
        auto it = lines.find(offset);
        return it == lines.end() ? line_class::normal : it->second.type;
    }
    // The line containing `offset` (a default one outside every line).
    const line_info& line_containing(std::size_t offset) const {
        static const line_info none;
        auto it = lines.upper_bound(offset);
        return it == lines.begin() || offset >= bytes.size() ? none : std::prev(it)->second;
    }
    // "file line N" for the line containing `offset`.
    int line_number(std::size_t offset) const { return line_containing(offset).number; }
};

struct transcript {
    std::string name;
    stream client, server;
};

std::filesystem::path transcript_dir() {
    return std::filesystem::path(MAILACCESS_TEST_DATA_DIR) / "imap" / "transcripts";
}

std::vector<std::string> transcript_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(transcript_dir()))
        if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

transcript load(const std::string& name) {
    std::ifstream in(transcript_dir() / name, std::ios::binary);
    REQUIRE(in);
    transcript t;
    t.name = name;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        INFO(name << ":" << number << ": " << line);
        REQUIRE(line.size() >= 2);
        REQUIRE((line[0] == 'C' || line[0] == 'S'));
        REQUIRE((line[1] == ':' || line[1] == '?' || (line[0] == 'C' && line[1] == '+')));
        REQUIRE((line.size() == 2 || line[2] == ' '));
        line_info info;
        info.number = number;
        info.text = line.size() > 2 ? line.substr(3) : std::string();
        if (line[1] == '?') info.type = line_class::refuse;
        if (line[1] == '+') info.type = info.text == "DONE" ? line_class::raw_done : line_class::raw;
        stream& s = line[0] == 'C' ? t.client : t.server;
        const std::size_t offset = s.bytes.size();
        s.bytes += info.text;
        s.bytes += "\r\n";
        s.lines.emplace(offset, std::move(info));
    }
    return t;
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            const auto u = static_cast<unsigned char>(c);
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else
            out += c;
    }
    return out;
}

// --- running a stream through the framer and the parser ----------------------

// One framed message of a run (or a literal the test refused, or a framer
// error), with what the grammar parser made of it.
struct record {
    std::string event;  // "message", "refused literal", "rejected ...", "fatal ...", "unframed ..."
    framer::message_kind kind = framer::message_kind::command;
    std::size_t start = 0;  // offset of its first byte in the stream
    std::size_t end = 0;    // offset after its last byte (a refused literal: after the announcing line)
    std::string bytes;      // framer::message()
    std::vector<framer::literal_info> literals;
    std::vector<std::string> streamed;  // the octets of each streamed literal, in order
    std::optional<command> cmd;
    std::optional<response> rsp;
    std::error_code error;  // the parser's, when it failed

    friend bool operator==(const record&, const record&) = default;
};

// How each message is parsed: commands for the server role, responses for the
// client role; continuation data (line_class::raw...) is not parsed.
void parse_record(record& r, framer_role role, line_class type) {
    if (type == line_class::raw || type == line_class::raw_done) return;
    if (role == framer_role::server) {
        auto c = parse_command(r.bytes, r.literals);
        if (c)
            r.cmd = std::move(*c);
        else
            r.error = c.error();
    } else {
        auto p = parse_response(r.bytes, r.literals);
        if (p)
            r.rsp = std::move(*p);
        else
            r.error = p.error();
    }
}

// Feeds `chunks` (consecutive pieces of `s.bytes` from offset `base`, which
// starts a message) to a framer for `role`, accepting every literal except
// those of "C? " lines, switching line mode for "C+ " lines, and parses
// every message.
std::vector<record> run(const stream& s, framer_role role, const std::vector<std::string_view>& chunks,
                        framer_options options = {}, std::size_t base = 0) {
    framer f(role, options);
    std::vector<record> out;
    std::size_t next_chunk = 0;
    std::size_t total = 0;
    for (auto c : chunks) total += c.size();
    auto consumed = [&] { return base + static_cast<std::size_t>(f.bytes_consumed()); };
    std::size_t start = base;  // where the message being framed starts
    record cur;
    bool line_mode = false;
    auto update_mode = [&] {
        const bool want = s.class_at(start) == line_class::raw;
        if (want != line_mode) f.set_line_mode(want);
        line_mode = want;
    };
    update_mode();
    for (;;) {
        auto ev = f.next();
        if (std::holds_alternative<framer::need_more>(ev)) {
            if (next_chunk == chunks.size()) break;
            f.feed(chunks[next_chunk++]);
        } else if (std::holds_alternative<framer::message_ready>(ev)) {
            cur.event = "message";
            cur.kind = f.kind();
            cur.start = start;
            cur.bytes = std::string(f.message());
            cur.literals.assign(f.literals().begin(), f.literals().end());
            parse_record(cur, role, s.class_at(start));
            f.consume_message();
            cur.end = consumed();
            start = cur.end;
            out.push_back(std::move(cur));
            cur = record{};
            update_mode();
        } else if (auto* a = std::get_if<framer::literal_announced>(&ev)) {
            const auto announced_end = consumed();
            if (announced_end > 0 && s.line_containing(announced_end - 1).type == line_class::refuse) {
                cur.event = "refused literal";
                cur.start = start;
                cur.bytes = std::string(a->tag) + " {" + std::to_string(a->size) + "}";
                // The message's accepted literals (the framer may already list
                // the announced one).
                cur.literals.assign(f.literals().begin(), f.literals().end());
                if (!cur.literals.empty() && cur.literals.back().size == a->size) cur.literals.pop_back();
                f.reject_literal();
                cur.end = consumed();
                start = cur.end;
                out.push_back(std::move(cur));
                cur = record{};
                update_mode();
            } else {
                f.accept_literal();
            }
        } else if (std::holds_alternative<framer::literal_begin>(ev)) {
            cur.streamed.emplace_back();
        } else if (auto* d = std::get_if<framer::literal_data>(&ev)) {
            if (cur.streamed.empty()) cur.streamed.emplace_back();  // literal_begin comes first
            cur.streamed.back() += d->bytes;
        } else if (std::holds_alternative<framer::literal_end>(ev)) {
            // The literal's octets are complete; the message goes on.
        } else if (auto* r = std::get_if<framer::message_rejected>(&ev)) {
            cur.event = "rejected " + r->reason.message() + " tag=" + std::string(r->tag);
            cur.start = start;
            out.push_back(std::move(cur));
            cur = record{};
        } else {
            cur.event = "fatal " + std::get<framer::fatal>(ev).reason.message();
            cur.start = start;
            out.push_back(std::move(cur));
            return out;
        }
    }
    if (consumed() != base + total) {
        cur.event = "unframed " + std::to_string(base + total - consumed()) + " octets";
        cur.start = start;
        out.push_back(std::move(cur));
    }
    return out;
}

std::vector<record> run_whole(const stream& s, framer_role role, framer_options options = {}) {
    return run(s, role, {std::string_view(s.bytes)}, options);
}

// --- round trips ---------------------------------------------------------------

std::string wire(const command& c) {
    writer out;
    write(out, c);
    return out.release();
}
std::string wire(const response& r) {
    writer out;
    write(out, r);
    return out.release();
}

// Frames `bytes` as exactly one message with a fresh framer (accepting every
// literal) and parses it; an error string when that is not possible.
template <class T>
std::string reparse(std::string_view bytes, framer_role role, std::optional<T>& out) {
    stream s;
    s.bytes = std::string(bytes);
    const auto records = run_whole(s, role);
    if (records.size() != 1) return "framed as " + std::to_string(records.size()) + " messages";
    const auto& r = records[0];
    if (r.event != "message") return "framer: " + r.event;
    if (r.error) return "parser: " + r.error.message();
    if constexpr (std::is_same_v<T, command>)
        out = r.cmd;
    else
        out = r.rsp;
    return {};
}

// serialize(parse(x)) re-parses to an equal value and writes the same bytes
// again; the empty string when it does, else what went wrong.
template <class T>
std::string round_trip(const T& value, framer_role role) {
    const std::string first = wire(value);
    std::optional<T> again;
    if (auto e = reparse(first, role, again); !e.empty())
        return "the written form \"" + escape(first) + "\" is rejected: " + e;
    if (!(*again == value)) return "the written form \"" + escape(first) + "\" parses to a different value";
    const std::string second = wire(*again);
    if (second != first)
        return "written again as \"" + escape(second) + "\", first as \"" + escape(first) + "\"";
    return {};
}

// --- checks ---------------------------------------------------------------------

std::string where(const transcript& t, const stream& s, const record& r) {
    return t.name + ":" + std::to_string(s.line_number(r.start));
}

// The one-shot run of one direction: every message framed where the data
// says, parsed (or refused as the data says) and round-tripped.
void check_direction(const transcript& t, const stream& s, framer_role role, std::size_t& messages) {
    const auto records = run_whole(s, role);
    std::vector<std::size_t> starts, refused;
    for (const auto& r : records) {
        const std::string at = where(t, s, r);
        const auto cls = s.class_at(r.start);
        starts.push_back(r.start);
        if (!s.lines.count(r.start))
            FAIL_CHECK(at << ": a message starts inside a line: " << escape(r.bytes));
        if (r.event == "refused literal") {
            // The refused announcement ends a "C? " line that starts the
            // message, or (when it starts with SP) continues it right after
            // one of its accepted literals; so a wrong literal size in the
            // data cannot hide behind a refusal.
            const auto line = std::prev(s.lines.upper_bound(r.end - 1));
            bool aligned = line->first == r.start;
            if (!line->second.text.empty() && line->second.text[0] == ' ')
                for (const auto& l : r.literals)
                    aligned = aligned || line->first == r.start + l.offset + l.size;
            if (!aligned) FAIL_CHECK(at << ": the refused literal is announced inside another message");
            refused.push_back(r.end);
            continue;
        }
        if (r.event != "message") {
            FAIL_CHECK(at << ": framer: " << r.event);
            continue;
        }
        ++messages;
        switch (cls) {
            case line_class::raw:
            case line_class::raw_done: {
                const std::string expected = s.lines.at(r.start).text + "\r\n";
                if (r.bytes != expected)
                    FAIL_CHECK(at << ": continuation data framed as \"" << escape(r.bytes) << "\"");
                if (cls == line_class::raw && r.kind != framer::message_kind::line)
                    FAIL_CHECK(at << ": line-mode data not framed as a line");
                break;
            }
            case line_class::refuse:
                if (!r.error)
                    FAIL_CHECK(at << ": accepted, the data expects a rejection: " << escape(r.bytes));
                break;
            case line_class::normal:
                if (r.error) {
                    FAIL_CHECK(at << ": "
                                  << (role == framer_role::server ? "parse_command" : "parse_response")
                                  << " fails (" << r.error.message() << "): " << escape(r.bytes));
                } else {
                    const std::string e =
                        role == framer_role::server ? round_trip(*r.cmd, role) : round_trip(*r.rsp, role);
                    if (!e.empty()) FAIL_CHECK(at << ": round trip of \"" << escape(r.bytes) << "\": " << e);
                }
                break;
        }
    }
    // Continuation data and refused messages are messages of their own; a
    // refused literal is announced at the end of a "C? " line.
    auto contains = [](const std::vector<std::size_t>& v, std::size_t x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    for (auto it = s.lines.begin(); it != s.lines.end(); ++it) {
        const auto& info = it->second;
        const std::size_t line_end = std::next(it) == s.lines.end() ? s.bytes.size() : std::next(it)->first;
        if (info.type == line_class::refuse && contains(refused, line_end)) continue;
        if (info.type != line_class::normal && !contains(starts, it->first))
            FAIL_CHECK(t.name << ":" << info.number << ": not framed as a message of its own: " << info.text);
    }
}

// A run must reproduce the one-shot records exactly.
void check_same(const transcript& t, const stream& s, const std::vector<record>& expected,
                const std::vector<record>& got, const std::string& how) {
    if (got == expected) return;
    std::size_t i = 0;
    while (i < got.size() && i < expected.size() && got[i] == expected[i]) ++i;
    if (i < expected.size()) {
        const auto& e = expected[i];
        FAIL_CHECK(where(t, s, e) << ": " << how << ": message " << i << " \"" << escape(e.bytes)
                                  << "\" differs from the one-shot run"
                                  << (i < got.size() ? ": \"" + escape(got[i].bytes) + "\" " + got[i].event
                                                     : std::string(": missing")));
    } else {
        FAIL_CHECK(t.name << ": " << how << ": " << got.size() - expected.size() << " extra messages");
    }
}

// Chunking does not change the records. Splitting the whole stream at every
// point would cost O(n^2) per stream, so instead:
// - every message is split at each of its points, framed from its start by
//   a fresh framer (the framer keeps no state across messages but the line
//   mode, which `run` sets from the data) together with the message after
//   it, which must come out unchanged too;
// - the whole stream is split in two at every message boundary, so each
//   message is also framed from a buffer holding earlier input;
// - the whole stream is fed byte by byte.
void check_chunkings(const transcript& t, const stream& s, framer_role role) {
    const auto expected = run_whole(s, role);
    const std::string_view all(s.bytes);
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const std::size_t from = expected[k].start;
        const std::size_t mid = expected[k].end;
        const std::size_t to = k + 1 < expected.size() ? expected[k + 1].end : mid;
        const std::vector<record> want(
            expected.begin() + static_cast<std::ptrdiff_t>(k),
            expected.begin() + static_cast<std::ptrdiff_t>(std::min(k + 2, expected.size())));
        for (std::size_t p = from + 1; p < mid; ++p) {
            const auto got = run(s, role, {all.substr(from, p - from), all.substr(p, to - p)}, {}, from);
            if (got != want) {
                check_same(t, s, want, got, "split at " + std::to_string(p));
                return;  // one report per stream is enough
            }
        }
        const auto got = run(s, role, test::split_at(all, mid), {});
        if (got != expected) {
            check_same(t, s, expected, got, "split after message " + std::to_string(k));
            return;
        }
    }
    check_same(t, s, expected, run(s, role, test::bytewise(s.bytes), {}), "byte by byte");
}

// The literal octets of a one-shot record.
std::string literal_bytes(const record& r, std::size_t index) {
    const auto& l = r.literals.at(index);
    return r.bytes.substr(l.offset, static_cast<std::size_t>(l.size));
}

// Puts the octets of streamed literals back into a parsed value, so that it
// can be compared with the one-shot value.
void unstream(command& c, const record& oneshot) {
    auto* a = std::get_if<cmd::append>(&c.body);
    if (!a) return;
    for (auto& m : a->messages) {
        if (!m.streamed) continue;
        m.data = literal_bytes(oneshot, m.literal_index);
        m.streamed = false;
    }
}
void unstream(response& r, const record& oneshot) {
    auto* f = std::get_if<fetch_data>(&r);
    if (!f) return;
    for (auto& item : f->items) {
        auto* b = std::get_if<fetch_body_section>(&item);
        if (!b || !b->streamed_size) continue;
        b->data = literal_bytes(oneshot, b->literal_index);
        b->streamed_size.reset();
        b->literal_index = 0;
    }
}

// Whether literal `index` of a one-shot record is message data that may be
// streamed: APPEND data, or the text of a FETCH body section.
bool streamable(const record& oneshot, std::size_t index) {
    if (oneshot.cmd) {
        if (const auto* a = std::get_if<cmd::append>(&oneshot.cmd->body))
            for (const auto& m : a->messages)
                if (m.literal_index == index) return true;
        return false;
    }
    if (!oneshot.rsp) return false;
    const auto* f = std::get_if<fetch_data>(&*oneshot.rsp);
    if (!f) return false;
    const std::string bytes = literal_bytes(oneshot, index);
    for (const auto& item : f->items)
        if (const auto* b = std::get_if<fetch_body_section>(&item))
            if (b->data == bytes) return true;
    return false;
}

constexpr std::size_t small_threshold = 16;

// With a small streaming threshold the large literals go through
// literal_begin/data/end; APPEND data and FETCH body text must still parse,
// to the one-shot value once the streamed octets are put back.
void check_streaming(const transcript& t, const stream& s, framer_role role) {
    framer_options o;
    o.streaming_threshold = small_threshold;
    const auto oneshot = run_whole(s, role);
    const auto whole = run(s, role, {std::string_view(s.bytes)}, o);
    check_same(t, s, whole, run(s, role, test::bytewise(s.bytes), o), "streaming, byte by byte");
    if (whole.size() != oneshot.size()) {
        FAIL_CHECK(t.name << ": streaming: " << whole.size() << " messages, one-shot " << oneshot.size());
        return;
    }
    for (std::size_t i = 0; i < whole.size(); ++i) {
        const auto& r = whole[i];
        const auto& one = oneshot[i];
        const std::string at = where(t, s, one);
        if (r.event != one.event || r.start != one.start || r.literals.size() != one.literals.size()) {
            FAIL_CHECK(at << ": streaming: framed differently: " << escape(r.bytes));
            continue;
        }
        if (r.streamed.empty()) {
            if (!(r == one)) FAIL_CHECK(at << ": streaming: a message without large literals differs");
            continue;
        }
        if (r.event != "message") continue;  // a refused literal after a streamed one
        // The streamed octets are the literals' octets, and the message is the
        // one-shot message without them.
        std::string expected_bytes = one.bytes;
        std::size_t k = 0;
        bool all_streamable = true;
        for (std::size_t l = r.literals.size(); l-- > 0;) {
            if (!r.literals[l].streamed) continue;
            all_streamable = all_streamable && streamable(one, l);
            expected_bytes.erase(one.literals[l].offset, static_cast<std::size_t>(one.literals[l].size));
        }
        for (std::size_t l = 0; l < r.literals.size(); ++l) {
            if (!r.literals[l].streamed) continue;
            if (k >= r.streamed.size() || r.streamed[k] != literal_bytes(one, l))
                FAIL_CHECK(at << ": streaming: literal " << l << " streamed differently");
            ++k;
        }
        if (r.bytes != expected_bytes) FAIL_CHECK(at << ": streaming: message \"" << escape(r.bytes) << "\"");
        if (one.error) continue;  // reported by the one-shot check
        if (!all_streamable) {
            // A streamed literal anywhere else is refused (command.hpp, response.hpp).
            if (!r.error) FAIL_CHECK(at << ": streaming: a streamed non-message literal is accepted");
            continue;
        }
        if (r.error) {
            FAIL_CHECK(
                at << ": streaming: " << (role == framer_role::server ? "parse_command" : "parse_response")
                   << " rejects the streamed message (" << r.error.message() << "): " << escape(r.bytes));
            continue;
        }
        if (!r.cmd && !r.rsp) {
            FAIL_CHECK(at << ": streaming: continuation data with a streamed literal");
        } else if (r.cmd) {
            command c = *r.cmd;
            unstream(c, one);
            if (!(c == *one.cmd))
                FAIL_CHECK(at << ": streaming: the streamed APPEND differs from the one-shot value");
        } else {
            response p = *r.rsp;
            unstream(p, one);
            if (!(p == *one.rsp))
                FAIL_CHECK(at << ": streaming: the streamed FETCH differs from the one-shot value");
            // Written with slots, filled with the streamed octets, it is the
            // one-shot value again.
            writer out;
            std::vector<stream_slot> slots;
            write(out, *r.rsp, &slots);
            std::string filled;
            std::size_t from = 0;
            for (std::size_t j = 0; j < slots.size() && j < r.streamed.size(); ++j) {
                filled += out.buffer().substr(from, slots[j].offset - from);
                filled += r.streamed[j];
                from = slots[j].offset;
            }
            filled += out.buffer().substr(from);
            std::optional<response> back;
            const auto e = reparse(filled, role, back);
            if (!e.empty() || !back || !(*back == *one.rsp))
                FAIL_CHECK(at << ": streaming: written with its slots filled, \"" << escape(filled)
                              << "\" does not parse to the one-shot value " << e);
        }
    }
}

}  // namespace

TEST_CASE("RFC transcripts: every message parses and round-trips", "[imap][transcript]") {
    const auto name = GENERATE(from_range(transcript_names()));
    const auto t = load(name);
    std::size_t commands = 0, responses = 0;
    check_direction(t, t.client, framer_role::server, commands);
    check_direction(t, t.server, framer_role::client, responses);
    CHECK(commands + responses > 0);
}

TEST_CASE("RFC transcripts: chunking does not change the result", "[imap][transcript]") {
    const auto name = GENERATE(from_range(transcript_names()));
    const auto t = load(name);
    check_chunkings(t, t.client, framer_role::server);
    check_chunkings(t, t.server, framer_role::client);
}

TEST_CASE("RFC transcripts: large literals streamed", "[imap][transcript]") {
    const auto name = GENERATE(from_range(transcript_names()));
    const auto t = load(name);
    check_streaming(t, t.client, framer_role::server);
    check_streaming(t, t.server, framer_role::client);
}

TEST_CASE("RFC transcripts: the streaming run has APPEND and FETCH literals to stream",
          "[imap][transcript]") {
    // Guards the test above against data that no longer exercises streaming.
    framer_options o;
    o.streaming_threshold = small_threshold;
    std::size_t client = 0, server = 0;
    for (const auto& name : transcript_names()) {
        const auto t = load(name);
        for (const auto& r : run_whole(t.client, framer_role::server, o)) client += r.streamed.size();
        for (const auto& r : run_whole(t.server, framer_role::client, o)) server += r.streamed.size();
    }
    CHECK(client >= 8);  // APPEND data: RFC 3501, 3502, 4315, 9051, 9208
    CHECK(server >= 4);  // FETCH BODY[...] text: RFC 3501 sections 6.4.5 and 8, RFC 9051 section 8
}
