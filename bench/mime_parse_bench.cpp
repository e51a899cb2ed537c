// MIME structure parsing throughput (issue [3/7]): what a server pays the
// first time it opens each message. Over a corpus of messages:
//
// - baseline:    a memchr-for-LF walk over the same bytes (the floor);
// - parse:       mime::structure_parser fed in --chunk byte pieces, as a
//                byte_source would deliver them (MB/s and messages/s);
// - serialize / deserialize: the cache form a store keeps per message
//                (messages/s, and the mean cache entry size in bytes);
// - bodystructure: make_body_structure + imap::write from a parsed
//                structure, as a FETCH BODYSTRUCTURE answer (messages/s).
//
// The corpus is an mbox made by `python3 /work/shared/tools/gen_corpus.py
// OUT.mbox N` (--mbox OUT.mbox), split at "From " lines, with mboxrd
// unescaping and LF turned into CRLF as a Maildir store holds it; without
// --mbox, a small synthetic corpus is built in memory (the ctest smoke run).
//
// Usage: mime_parse_bench [--mbox FILE] [--messages N] [--runs N] [--chunk N]
#include "bench.hpp"

#include <support/to_crlf.hpp>

#include <mailaccess/imap/response.hpp>
#include <mailaccess/imap/writer.hpp>
#include <mailaccess/mime/body_structure_view.hpp>
#include <mailaccess/mime/structure_parser.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;

namespace {

struct options {
    std::string mbox;
    int messages = 2000;
    int runs = 5;
    std::size_t chunk = 64 * 1024;
};

options parse_args(int argc, char** argv) {
    options o;
    bench::args a(argc, argv, "[--mbox FILE] [--messages N] [--runs N] [--chunk N]");
    while (a.next()) {
        if (a.is("--mbox"))
            o.mbox = a.value();
        else if (a.is("--messages"))
            o.messages = static_cast<int>(a.number());
        else if (a.is("--runs"))
            o.runs = static_cast<int>(a.number());
        else if (a.is("--chunk"))
            o.chunk = a.number();
        else
            a.unknown();
    }
    return o;
}

std::vector<std::string> read_mbox(const std::string& path, int limit) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> out;
    std::string line, current;
    bool started = false;
    while (std::getline(in, line)) {
        if (line.rfind("From ", 0) == 0) {
            if (started) out.push_back(test::to_crlf(current));
            if (static_cast<int>(out.size()) >= limit) return out;
            current.clear();
            started = true;
            continue;
        }
        // mboxrd: ">From " and ">>From " lose one ">".
        std::size_t gt = 0;
        while (gt < line.size() && line[gt] == '>') ++gt;
        if (gt > 0 && line.compare(gt, 5, "From ") == 0) line.erase(0, 1);
        current += line;
        current += '\n';
    }
    if (started && static_cast<int>(out.size()) < limit) out.push_back(test::to_crlf(current));
    return out;
}

std::vector<std::string> synthetic(int count) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        std::string m = "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: message " +
                        std::to_string(i) +
                        "\r\nDate: Tue, 05 Mar 2024 10:15:00 +0100\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=\"b" +
                        std::to_string(i) + "\"\r\n\r\n--b" + std::to_string(i) +
                        "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        for (int l = 0; l < 20 + i % 50; ++l)
            m += "Some body text of a realistic line length, line " + std::to_string(l) + "\r\n";
        m += "--b" + std::to_string(i) +
             "\r\nContent-Type: application/pdf; name=x.pdf\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n";
        for (int l = 0; l < 40 + (i * 7) % 400; ++l)
            m += "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29k\r\n";
        m += "--b" + std::to_string(i) + "--\r\n";
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const options opt = parse_args(argc, argv);
    const std::vector<std::string> corpus =
        opt.mbox.empty() ? synthetic(opt.messages) : read_mbox(opt.mbox, opt.messages);
    std::uint64_t bytes = 0;
    for (const auto& m : corpus) bytes += m.size();
    if (corpus.empty() || bytes == 0) {
        std::fprintf(stderr, "empty corpus\n");
        return 1;
    }
    nlohmann::json cond = {{"corpus", opt.mbox.empty() ? std::string("synthetic") : opt.mbox},
                           {"messages", corpus.size()},
                           {"bytes", bytes},
                           {"chunk", opt.chunk}};
    const double mb = static_cast<double>(bytes) / 1e6;
    const auto n = static_cast<double>(corpus.size());

    std::uint64_t sink = 0;
    auto base = bench::time_runs(
        opt.runs, [](int) {},
        [&](int) {
            for (const auto& m : corpus)
                for (const char* p = m.data();
                     (p = static_cast<const char*>(std::memchr(
                          p, '\n', static_cast<std::size_t>(m.data() + m.size() - p)))) != nullptr;
                     ++p)
                    ++sink;
        });
    bench::report("mime_baseline_memchr_lf", "MB/s", mb / base.median(), base.runs(), cond);

    mime::structure_parser parser;
    std::vector<mime::message_structure> parsed(corpus.size());
    auto parse = bench::time_runs(
        opt.runs, [](int) {},
        [&](int) {
            for (std::size_t i = 0; i < corpus.size(); ++i) {
                const std::string_view m = corpus[i];
                for (std::size_t off = 0; off < m.size(); off += opt.chunk)
                    parser.feed(m.substr(off, opt.chunk));
                parsed[i] = parser.finish();
            }
        });
    bench::report("mime_structure_parse", "MB/s", mb / parse.median(), parse.runs(), cond);
    bench::report("mime_structure_parse", "messages/s", n / parse.median(), parse.runs(), cond);

    std::vector<std::string> cached(corpus.size());
    std::uint64_t cache_bytes = 0;
    auto ser = bench::time_runs(
        opt.runs, [&](int) { cache_bytes = 0; },
        [&](int) {
            for (std::size_t i = 0; i < corpus.size(); ++i) {
                cached[i] = parsed[i].serialize();
                cache_bytes += cached[i].size();
            }
        });
    bench::report("mime_structure_serialize", "messages/s", n / ser.median(), ser.runs(), cond);
    bench::report("mime_structure_cache_entry", "bytes/message", static_cast<double>(cache_bytes) / n, 1,
                  cond);

    auto de = bench::time_runs(
        opt.runs, [](int) {},
        [&](int) {
            for (const auto& c : cached) {
                auto s = mime::message_structure::deserialize(c);
                sink += s ? s->parts().size() : 0;
            }
        });
    bench::report("mime_structure_deserialize", "messages/s", n / de.median(), de.runs(), cond);

    auto bs = bench::time_runs(
        opt.runs, [](int) {},
        [&](int) {
            for (const auto& s : parsed) {
                imap::writer w;
                imap::write(w, mime::make_body_structure(s), true);
                sink += w.buffer().size();
            }
        });
    bench::report("mime_bodystructure_write", "messages/s", n / bs.median(), bs.runs(), cond);
    return sink == 0 ? 1 : 0;
}
