// End-to-end test of examples/webmail in Debian's headless Chromium:
//   node webmail_e2e.mjs SERVER WEBMAIL CHROMIUM BUILD_DIR
// Starts the reference server (temporary state, kernel-chosen port) and the
// webmail, then in the browser logs in, opens a folder and a message (Polish
// headers, an attachment), flags it, sees a message appended by another IMAP
// client (python3 imaplib) appear without reload, moves a message, checks
// that a hostile HTML message runs no script and loads nothing, that POSTs
// without the CSRF token are refused, and logs out. Saves a screenshot of
// the message view into BUILD_DIR.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [serverBin, webmailBin, chromiumBin, buildDir] = process.argv.slice(2).map((a) => path.resolve(a));
const tmp = mkdtempSync(path.join(tmpdir(), 'mailaccess-webmail-e2e-'));
const children = [];
let failures = 0;

function check(ok, what) {
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok) failures++;
}

// Starts a program and resolves with the first match of `pattern` in its output.
function start(bin, args, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(bin + ' did not start: ' + out)), 60000);
    const onData = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { out += d; process.stderr.write('[' + path.basename(bin) + '] ' + d); });
    child.on('error', (e) => reject(new Error('cannot start ' + bin + ': ' + e.message)));
    child.on('exit', (code) => reject(new Error(bin + ' exited with ' + code + ': ' + out)));
  });
}

// waitForFunction evaluates a string, which the page's CSP (no unsafe-eval) forbids.
async function poll(condition, what, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let imapPort, cert;
// Set once the page is up: what a failure prints about the page's state.
let failurePage = null, failureBase = '';

async function describePage() {
  if (!failurePage) return;
  const status = await failurePage.textContent('#status').catch((e) => 'unreadable: ' + e.message);
  const rows = await failurePage.locator('#messages li').allTextContents().catch(() => []);
  const events = await failurePage.request.get(failureBase + '/api/events').then((r) => r.text(), (e) => e.message);
  console.error('page status line: ' + JSON.stringify(status));
  console.error('message list: ' + JSON.stringify(rows));
  const listed = await failurePage.request.get(failureBase + '/api/messages?folder=INBOX&page=0&q=')
    .then(async (r) => r.status() + ' ' + await r.text(), (e) => e.message);
  console.error('/api/events: ' + events);
  console.error('/api/messages of INBOX: ' + listed);
}
function imap(...args) {
  return execFileSync('python3', [path.join(process.cwd(), 'imap_helper.py'), String(imapPort), cert, ...args],
                      { encoding: 'utf8' }).trim();
}

function appendMessage(folder, name, text) {
  const file = path.join(tmp, name);
  writeFileSync(file, text.replace(/\n/g, '\r\n'));
  imap('append', folder, file);
}

// A listener standing for "the internet": every request a mail causes is a hit.
const hits = [];
const attackerPage = `<!DOCTYPE html><html><body><img src="/control.gif"><script>
  fetch(location.search.slice(1) + '/api/flag', { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify({ folder: 'INBOX', uid: 3, flag: 'flagged', set: true }) })
    .then(() => { document.title = 'sent'; }, () => { document.title = 'sent'; });
</script></body></html>`;
const internet = http.createServer((req, res) => {
  if (req.url.startsWith('/attacker.html')) {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(attackerPage);
    return;
  }
  hits.push(req.url);
  res.writeHead(200, { 'Content-Type': 'image/gif' });
  res.end();
});

async function main() {
  const state = path.join(tmp, 'var');
  const [, port] = await start(serverBin, ['--state-dir', state, '--imaps', '127.0.0.1:0', '--log-level', 'warning'],
                               /listening imaps on 127\.0\.0\.1:(\d+)/);
  imapPort = Number(port);
  cert = path.join(state, 'tls', 'cert.pem');
  await new Promise((r) => internet.listen(0, '127.0.0.1', r));
  const evil = 'http://127.0.0.1:' + internet.address().port;

  appendMessage('INBOX', 'polish.eml', `From: =?utf-8?q?Pawe=C5=82_Gr=C4=85bczewski?= <pawel@example.pl>
To: demo@localhost
Subject: =?iso-8859-2?q?Za=BF=F3=B3=E6_g=EA=B6l=B1_ja=BC=F1?=
Message-ID: <polish@e2e>
Date: Tue, 5 Mar 2024 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=iso-8859-2
Content-Transfer-Encoding: quoted-printable

Cze=B6=E6, oto faktura.
--b1
Content-Type: application/pdf; name="=?utf-8?q?faktura_=C5=BC.pdf?="
Content-Disposition: attachment; filename="=?utf-8?q?faktura_=C5=BC.pdf?="
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1--
`);
  appendMessage('INBOX', 'evil.eml', `From: Mallory <m@evil.example>
To: demo@localhost
Subject: Hostile HTML
Message-ID: <evil@e2e>
Date: Tue, 5 Mar 2024 11:00:00 +0100
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body onload="parent.pwned='onload';fetch('${evil}/onload')">
<p>Visible text of the hostile message</p>
<script>parent.pwned = 'script'; top.pwned = 'script'; fetch('${evil}/script');</script>
<img src="${evil}/remote-image.gif">
<img src="x" onerror="parent.pwned='onerror';fetch('${evil}/onerror')">
<div style="background-image:url(${evil}/css)">styled</div>
<iframe src="${evil}/iframe"></iframe>
<a href="javascript:parent.pwned='link'">link</a>
<form action="${evil}/form" method="post"><input name="q"></form>
</body></html>
`);

  imap('create', 'Faktury', '-');
  imap('create', 'Faktury/Zażółć', '-');

  const [, webPort] = await start(webmailBin, ['--listen', '127.0.0.1:0', '--imap-port', String(imapPort), '--ca-file', cert],
                                  /webmail listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const base = 'http://127.0.0.1:' + webPort;

  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: chromiumBin,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  failurePage = page;
  failureBase = base;
  page.setDefaultTimeout(20000);
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

  // A message that arrives after the first list and before the page's first
  // poll for changes must still show: the poll is held until it has been
  // appended and announced, so it reads a change count that already counts
  // it (the page once took the first count it polled as its baseline).
  let earlyAppended = false;
  await page.route('**/api/events', async (route) => {
    if (!earlyAppended && (await page.locator('#messages li').count()) > 0) {
      earlyAppended = true;
      appendMessage('INBOX', 'early.eml', `From: Early Sender <early@example.com>
To: demo@localhost
Subject: Arrived before the first poll
Message-ID: <early@e2e>

Hello.
`);
      await new Promise((r) => setTimeout(r, 1000));  // the webmail's IDLE hears of it
    }
    await route.continue();
  });

  // Log in.
  await page.goto(base + '/');
  await page.fill('#user', 'demo');
  await page.fill('#password', 'demo');
  await page.click('#login-button');
  await page.waitForSelector('#app:not([hidden])');
  check(true, 'logged in');
  const cookies = await context.cookies(base);
  const sessionCookie = cookies.find((c) => c.name === 'webmail_session');
  check(sessionCookie && sessionCookie.httpOnly && sessionCookie.sameSite === 'Strict',
        'session cookie is HttpOnly and SameSite=Strict');
  check(await page.evaluate(() => document.cookie) === '', 'the page script cannot read the session cookie');

  // Folder tree with unread counts; open INBOX.
  await page.waitForSelector('#messages li:has-text("Arrived before the first poll")', { timeout: 15000 });
  check(earlyAppended, 'a message appended before the first poll appeared without reload');
  await page.unroute('**/api/events');
  const inboxLabel = () => page.textContent('#folders li[data-folder="INBOX"]');
  await poll(async () => /INBOX \(4\)/.test(await inboxLabel()), 'the INBOX label to count 4 unread')
    .catch(() => {});
  check(/INBOX \(4\)/.test(await inboxLabel()), 'INBOX shows 4 unread: ' + await inboxLabel());
  const polishFolder = page.locator('#folders li[data-folder="Faktury/Zażółć"]');
  check((await polishFolder.textContent()) === 'Zażółć', 'a modified UTF-7 folder name shows in UTF-8, nested');
  await page.click('#folders li[data-folder="Archive"]');
  await page.click('#folders li[data-folder="INBOX"]');
  await page.waitForSelector('#messages li:has-text("Zażółć gęślą jaźń")');
  check(true, 'Polish subject (ISO-8859-2 encoded word) shown in the list');
  check((await page.textContent('#messages')).includes('Paweł Grąbczewski'), 'Polish sender name shown');

  // Open the message: text, headers, attachment.
  await page.click('#messages li:has-text("Zażółć gęślą jaźń")');
  await page.waitForSelector('#message-view:not([hidden])');
  check((await page.textContent('#msg-subject')) === 'Zażółć gęślą jaźń', 'message subject');
  check((await page.textContent('#msg-text')).includes('Cześć, oto faktura.'), 'text/plain body decoded (QP, ISO-8859-2)');
  const attachment = page.locator('#attachments a');
  check((await attachment.textContent()).includes('faktura ż.pdf'), 'attachment listed with its UTF-8 name');
  const download = await page.request.get(base + (await attachment.getAttribute('href')));
  check(download.status() === 200 && (await download.text()) === '%PDF-1.4\n', 'attachment downloads decoded');
  check((download.headers()['content-disposition'] || '').startsWith('attachment;'), 'attachment is a download');
  const shot = path.join(buildDir, 'webmail-message-view.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot of the message view: ' + shot);

  // Flag it; the flag reaches the server.
  await page.click('#flag-button');
  await page.waitForSelector('#messages li.flagged:has-text("Zażółć")');
  check(/\\Flagged/.test(imap('flags', 'INBOX', '<polish@e2e>')), 'flag set on the server');
  check(/\\Seen/.test(imap('flags', 'INBOX', '<polish@e2e>')), 'opening marked the message read');

  // Another IMAP client appends to the open folder: it appears without reload.
  appendMessage('INBOX', 'live.eml', `From: Other Client <o@example.com>
To: demo@localhost
Subject: Live update from imaplib
Message-ID: <live@e2e>

Hello.
`);
  await page.waitForSelector('#messages li:has-text("Live update from imaplib")', { timeout: 15000 });
  check(true, 'message appended by python imaplib appeared without reload (IDLE)');
  imap('flag', 'INBOX', '<live@e2e>');
  await page.waitForSelector('#messages li.flagged:has-text("Live update from imaplib")', { timeout: 15000 });
  check(true, 'a flag set by python imaplib appeared without reload (IDLE)');

  // Hostile HTML: nothing runs, nothing remote loads.
  await page.click('#messages li:has-text("Hostile HTML")');
  await page.waitForSelector('#msg-html:not([hidden])');
  const frameElement = await page.waitForSelector('#msg-html');
  const frame = await frameElement.contentFrame();
  await frame.waitForLoadState('load');
  await page.waitForTimeout(2000);
  check((await page.evaluate(() => window.pwned)) === undefined, 'no script of the mail changed the page');
  check(hits.length === 0, 'no request reached the outside listener (hits: ' + JSON.stringify(hits) + ')');
  check((await frameElement.getAttribute('sandbox')) === '', 'the message iframe is sandboxed without allow-scripts');
  const frameText = await frame.textContent('body').catch(() => '');
  check(frameText.includes('Visible text of the hostile message'), 'the hostile message text is shown');
  const frameHtml = await frame.content().catch(() => '');
  check(!/<script|onerror|onload|javascript:/i.test(frameHtml), 'the served HTML is sanitised');
  check((await page.textContent('#msg-blocked')).includes('remote image'), 'blocked remote images are reported');
  const htmlAnswer = await page.request.get(base + '/api/message/html?folder=INBOX&uid=2');
  check((htmlAnswer.headers()['content-security-policy'] || '').startsWith("default-src 'none'"),
        'the message HTML is served with default-src \'none\'');

  // CSRF: POSTs without the token are refused, from the page and from outside.
  const fromPage = await page.evaluate(async () => (await fetch('/api/flag', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ folder: 'INBOX', uid: 3, flag: 'flagged', set: true }) })).status);
  check(fromPage === 403, 'POST without the CSRF token from the browser: ' + fromPage);
  const cookieHeader = 'webmail_session=' + sessionCookie.value;
  const noToken = await fetch(base + '/api/flag', { method: 'POST', headers: { Cookie: cookieHeader },
    body: JSON.stringify({ folder: 'INBOX', uid: 3, flag: 'flagged', set: true }) });
  check(noToken.status === 403, 'POST with the cookie but no token (node fetch): ' + noToken.status);
  const token = await page.evaluate(async () => (await (await fetch('/api/session')).json()).csrf_token);
  const crossSite = await fetch(base + '/api/flag', { method: 'POST',
    headers: { Cookie: cookieHeader, 'X-CSRF-Token': token, Origin: 'http://evil.example' },
    body: JSON.stringify({ folder: 'INBOX', uid: 3, flag: 'flagged', set: true }) });
  check(crossSite.status === 403, 'cross-origin POST even with the token: ' + crossSite.status);
  const attacker = await context.newPage();
  await attacker.goto(evil + '/attacker.html?' + base);
  await attacker.waitForFunction(() => document.title === 'sent');
  await attacker.close();
  // The control: a page without our CSP reaches the listener, so the zero
  // hits of the hostile mail mean blocked, not unreachable.
  check(hits.includes('/control.gif'), 'the browser can reach the outside listener (control)');
  check(!/\\Flagged/.test(imap('flags', 'INBOX', '<evil@e2e>')), 'a cross-site page could not flag a message');

  // Move the Polish message into the Polish folder.
  await page.click('#messages li:has-text("Zażółć gęślą jaźń")');
  await page.waitForSelector('#message-view:not([hidden])');
  await page.selectOption('#move-select', 'Faktury/Zażółć');
  await page.click('#move-button');
  await page.waitForSelector('#messages li:has-text("Zażółć gęślą jaźń")', { state: 'detached' });
  check(imap('flags', 'INBOX', '<polish@e2e>') === 'none' &&
        /\\Flagged/.test(imap('flags', 'Faktury/Zażółć', '<polish@e2e>')),
        'message moved to Faktury/Zażółć on the server');
  await page.click('#folders li[data-folder="Faktury/Zażółć"]');
  await page.waitForSelector('#messages li:has-text("Zażółć gęślą jaźń")');
  check(true, 'the moved message is listed in Faktury/Zażółć');

  // Delete it: it goes to Trash.
  await page.click('#messages li:has-text("Zażółć gęślą jaźń")');
  await page.waitForSelector('#message-view:not([hidden])');
  await page.click('#delete-button');
  await page.waitForSelector('#messages li:has-text("Zażółć gęślą jaźń")', { state: 'detached' });
  check(imap('flags', 'Trash', '<polish@e2e>') !== 'none', 'deleted message is in Trash');

  // Search (IMAP TEXT) in INBOX.
  await page.click('#folders li[data-folder="INBOX"]');
  await page.fill('#search', 'imaplib');
  await page.press('#search', 'Enter');
  await poll(async () => (await page.locator('#messages li').count()) === 1, 'a one-message search result');
  check((await page.textContent('#messages')).includes('Live update from imaplib'), 'search finds the message');

  // Log out: the session is gone.
  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  const after = await fetch(base + '/api/folders', { headers: { Cookie: cookieHeader } });
  check(after.status === 401, 'after logout the old session is refused: ' + after.status);
  check(consoleErrors.filter((e) => /Content Security Policy/i.test(e) && !/frame|sandbox/i.test(e)).length === 0,
        'no CSP violations by the page itself: ' + JSON.stringify(consoleErrors));
  await context.close();
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error('FAIL ' + (e.stack || e));
  await describePage().catch(() => {});
  code = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
  internet.close();
  rmSync(tmp, { recursive: true, force: true });
}
if (failures) console.error(failures + ' check(s) failed');
process.exit(code || (failures ? 1 : 0));
