#!/usr/bin/env python3
"""TAP test of the interactive screens in Korean (LANG=ko_KR.UTF-8, TZ=UTC,
the build tree's catalogue), in a detached tmux of fixed size as
tests/tui/screen_test.py does: the timeline, the details tabs, the service
map, analytics, the help screen, the log and the status line with an error
(a bad filter, an unknown command, and X-Ray API errors against the
emulator, whose messages stay as AWS sent them inside Korean), at 80x24 (the
timeline and the map also at 120x40), against goldens in
tests/i18n/golden/tui-*.txt.  Every screen is checked by display width
(Hangul is 2 columns): no line wider than the terminal, no replacement
character, no Hangul syllable cut in two (text that does not fit ends in
'…' or a whole syllable: the goldens hold the exact cells), and the columns
of the tables line up under their Korean headers.

UPDATE_GOLDEN=1 rewrites the goldens (read them before committing)."""
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
XRTOP = os.path.abspath(os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop"))
GOLDEN = os.path.join(TOP, "tests", "i18n", "golden")
sys.path.insert(0, os.path.join(TOP, "tests", "tui"))
import tuitest  # noqa: E402
from tuitest import width  # noqa: E402

tap = tuitest.Tap()
ok = tap.ok
tm = None  # the private tmux server (tests/tui/tuitest.py), started below


def start(name, cols, rows, *args):
    tm.session(name, cols, rows,
               "env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=ko_KR.UTF-8 TZ=UTC "
               "TERM=tmux-256color %s %s; sleep 60" % (XRTOP, " ".join(args)))


def wait_for(name, pred, what, timeout=10.0):
    """The screen once pred holds and two captures 100 ms apart agree."""
    screen = tm.wait_for(name, pred, what, timeout)
    return tm.settle(name) if pred(screen) else screen


def golden(screen, file, what):
    tuitest.golden(tap, tuitest.normal(screen), file, what, folder=GOLDEN)


def fits(screen, cols, what):
    """Within cols, no U+FFFD."""
    lines = screen.rstrip("\n").split("\n")
    bad = [l for l in lines if width(l) > cols or "\ufffd" in l]
    ok(not bad, "%s: every line within %d columns, no replacement character" % (what, cols),
       "\n".join(bad))


def hangul(screen):
    return sum(1 for c in screen if "\uac00" <= c <= "\ud7a3")


def ends_under(hdr, label, rows, pattern=r"\S+"):
    """Each row has a cell ending in the column where label ends in hdr."""
    if label not in hdr:
        return False
    end = width(hdr[:hdr.index(label) + len(label)])
    return all(any(width(r[:m.end()]) == end for m in re.finditer(pattern, r)) for r in rows)


def starts_under(hdr, label, rows):
    if label not in hdr:
        return False
    col = width(hdr[:hdr.index(label)])
    return all(any(width(r[:m.start()]) == col for m in re.finditer(r"\S+", r)) for r in rows)


locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
ok(any(l.lower().replace("-", "") == "ko_kr.utf8" for l in locales),
   "the ko_KR.UTF-8 locale is installed (tests/run-suite.sh generates it)")
if not shutil.which("tmux"):
    ok(False, "tmux is installed (tests/run-suite.sh installs it)")
else:
    try:
        tm = tuitest.Tmux(tap, "ko-tui")

        # --- the timeline of the slowest request, then a segment's details ---
        start("t", 80, 24, "--demo")
        wait_for("t", lambda s: "일치 300/300" in s, "the traces screen")
        tm.keys("t", "Enter")
        s = wait_for("t", lambda s: "타임라인" in s and "시간이 쓰인 곳" in s, "the timeline")
        golden(s, "tui-timeline-80x24.txt", "timeline at 80x24")
        fits(s, 80, "timeline at 80x24")
        lines = s.split("\n")
        hdr = next((l for l in lines if "세그먼트" in l and "소요" in l), "")
        rows = [l for l in lines if re.match(r"^•\s+[▾▸ ]", l)]
        ok(hdr and len(rows) >= 10 and ends_under(hdr, "소요", rows, r"\d+(\.\d+)?m?s"),
           "timeline: durations end under 소요", hdr)
        ok("임계 경로" in s and "기타 항목" in s, "timeline: the critical path summary is Korean")
        ok(any(l.startswith("Enter 열기") and "q 뒤로" in l for l in lines),
           "timeline: Korean key labels in the footer (q goes back)")

        for _ in range(8):
            tm.keys("t", "c")
        time.sleep(0.3)
        tm.keys("t", "Enter")
        s = wait_for("t", lambda s: "[개요]" in s and "임계 경로" in s, "the Overview tab")
        golden(s, "tui-details-overview-80x24.txt", "details, Overview tab")
        fits(s, 80, "details, Overview tab")
        lines = s.split("\n")
        kv = [l for l in lines if re.match(r"^  \S", l)]
        # the values start in one column after labels of mixed widths
        starts = {width(l[:re.search(r"(?<=\S)  +(?=\S)", l).end()]) for l in kv
                  if re.search(r"(?<=\S)  +(?=\S)", l)}
        ok(len(kv) >= 8 and len(starts) == 1, "details: values start in one column after "
           "Korean labels (columns %s)" % sorted(starts))
        tabs = ["개요", "리소스", "주석", "메타데이터", "예외", "SQL", "원시 JSON"]
        ok(all(t in lines[1] for t in tabs), "details: Korean tab names", lines[1])
        tm.keys("t", "]")
        s = wait_for("t", lambda s: "[리소스]" in s and "테이블" in s, "the Resources tab")
        golden(s, "tui-details-resources-80x24.txt", "details, Resources tab")
        fits(s, 80, "details, Resources tab")
        tm.keys("t", "Escape")
        wait_for("t", lambda s: "시간이 쓰인 곳" in s, "back to the timeline")
        tm.keys("t", "q")
        wait_for("t", lambda s: "일치 300/300" in s, "back to the traces")

        # --- the root segment's HTTP request: Korean labels, aligned values ---
        tm.keys("t", "Enter")
        wait_for("t", lambda s: "시간이 쓰인 곳" in s, "the timeline")
        tm.keys("t", "Enter")
        wait_for("t", lambda s: "세부 정보: QuickTableXRayAPI/prod" in s, "the root's details")
        for _ in range(7):  # the details keep the last tab: step to 리소스
            if "[리소스]" in tm.capture("t"):
                break
            tm.keys("t", "]")
            time.sleep(0.3)
        s = wait_for("t", lambda s: "[리소스]" in s and "사용자 에이전트" in s,
                     "the root's Resources tab")
        golden(s, "tui-details-request-80x24.txt", "details, the root's HTTP request")
        fits(s, 80, "details, the root's HTTP request")
        kv = [l for l in s.split("\n") if re.match(r"^    (메서드|URL|사용자 에이전트|클라이언트 IP|상태) ", l)]
        ok(len(kv) == 5 and len({width(re.match(r"^    \S+(?: \S+)* +", l).group(0)) for l in kv}) == 1,
           "details: request values start in one column after 2-column labels")
        tm.keys("t", "Escape")
        wait_for("t", lambda s: "시간이 쓰인 곳" in s, "the timeline")
        tm.keys("t", "q")
        wait_for("t", lambda s: "일치 300/300" in s, "back to the traces")

        # --- the status line with an error: an unknown command, a bad filter ---
        tm.keys("t", ":")
        wait_for("t", lambda s: "Tab" in s.split("\n")[-2] or ":" in s, "the command prompt")
        tm.literal("t", "frobnicate")
        tm.keys("t", "Enter")
        s = wait_for("t", lambda s: "알 수 없는 명령" in s, "the unknown-command error")
        golden(s, "tui-status-error-80x24.txt", "status line with an error")
        fits(s, 80, "status line with an error")
        ok(":frobnicate: 알 수 없는 명령" in s.split("\n")[-3],
           "the error is on the status line, the command as typed")
        tm.keys("t", "f")
        wait_for("t", lambda s: "필터:" in s, "the filter prompt")
        tm.literal("t", "http.status = = 3")
        s = wait_for("t", lambda s: "15열" in s, "the filter error")
        golden(s, "tui-filter-error-80x24.txt", "filter error under the prompt")
        fits(s, 80, "filter error under the prompt")
        rows = s.rstrip("\n").split("\n")
        prompt = next((l for l in rows if l.startswith("필터: ")), "")
        caret = rows[rows.index(prompt) + 1] if prompt else ""
        ok(prompt and "^" in caret and width(caret[:caret.index("^")]) ==
           width("필터: http.status = "), "the caret stands under the column of the error "
           "(after the 2-column 필터)", caret)
        tm.keys("t", "Escape")

        # --- the log ---
        tm.keys("t", "L")
        s = wait_for("t", lambda s: "로그: 메시지" in s, "the log")
        golden(s, "tui-log-80x24.txt", "log screen")
        fits(s, 80, "log screen")
        tm.keys("t", "Escape")

        # --- the help screen ---
        tm.keys("t", "?")
        s = wait_for("t", lambda s: "도움말: 키" in s, "the help screen")
        golden(s, "tui-help-80x24.txt", "help screen")
        fits(s, 80, "help screen")
        lines = s.split("\n")
        keyrows = [l for l in lines if re.match(r"^  \S", l)]
        descs = {width(l[:re.match(r"^  \S+(?: \S+)* +", l).end()]) for l in keyrows}
        ok(len(keyrows) >= 10 and len(descs) == 1,
           "help: the Korean descriptions start in one column (%s)" % sorted(descs))
        tm.keys("t", "q")
        wait_for("t", lambda s: "일치 300/300" in s, "back to the traces")

        # --- the service map ---
        tm.keys("t", "2")
        s = wait_for("t", lambda s: "서비스 맵" in s and "요청 296" in s, "the map")
        golden(s, "tui-map-80x24.txt", "service map at 80x24")
        fits(s, 80, "service map at 80x24")
        ok("서비스 7개, 추적 300개" in s and "평균 254ms" in s, "map: Korean counts in the boxes")
        ok("Enter로 이 서비스의 추적 보기" in s, "map: the status line says what Enter does")
        counts = re.findall(r"(요청|평균) \S+ *│", s)
        ok(len(counts) == 12 and "…" not in s,
           "map: 요청 and 평균 fit every box (nothing cut short)", counts)
        tm.keys("t", "Escape")
        wait_for("t", lambda s: "일치 300/300" in s, "back to the traces")

        # --- analytics ---
        tm.keys("t", "3")
        s = wait_for("t", lambda s: "그룹 기준 http.status" in s and "전체 추적" in s,
                     "analytics")
        golden(s, "tui-analytics-80x24.txt", "analytics at 80x24")
        fits(s, 80, "analytics at 80x24")
        lines = s.split("\n")
        hdr = next((l for l in lines if "▼추적" in l), "")
        rows = [l for l in lines if re.match(r"^ (\d{3}|\(없음\)|전체 추적) ", l)]
        good = len(rows) == 6
        for label in ("▼추적", "오류%", "결함%", "제한%", "P99"):
            good = good and ends_under(hdr, label, rows, r"\S+")
        ok(good, "analytics: counts and percentages end under their Korean headers", hdr)
        ok(re.search(r"최대 [\d.]+m?s +최소 [\d.]+m?s", s), "analytics: 최대 and 최소 response times")
        tm.keys("t", "Q")
        tm.kill("t")

        # --- 120x40: the timeline and the map ---
        start("w", 120, 40, "--demo")
        wait_for("w", lambda s: "일치 300/300" in s, "the traces screen at 120x40")
        tm.keys("w", "Enter")
        s = wait_for("w", lambda s: "시간이 쓰인 곳" in s, "the timeline at 120x40")
        golden(s, "tui-timeline-120x40.txt", "timeline at 120x40")
        fits(s, 120, "timeline at 120x40")
        tm.keys("w", "q")
        wait_for("w", lambda s: "일치 300/300" in s, "back to the traces")
        tm.keys("w", "2")
        s = wait_for("w", lambda s: "서비스 맵" in s and "요청 296" in s, "the map at 120x40")
        golden(s, "tui-map-120x40.txt", "service map at 120x40")
        fits(s, 120, "service map at 120x40")
        ok("Reservations" in s and "Reservation\n" not in s,
           "map at 120x40: names are not broken")
        tm.keys("w", "Q")
        tm.kill("w")
        # --- X-Ray API errors: on the status line and in the log while the
        # screens stay; printed with the hint when they stop everything ---
        sys.path.insert(0, os.path.join(TOP, "tests", "api"))
        from harness import WINDOW, Workdir, emulator, key_env  # noqa: E402
        work = Workdir()
        emu = emulator()

        def api_session(name, env):
            cmd = "env -i %s %s --endpoint-url %s --region us-east-1 %s; sleep 60" % (
                " ".join("%s='%s'" % (k, v) for k, v in env.items()), XRTOP, emu.base,
                " ".join(WINDOW))
            tm.session(name, 80, 24, cmd)

        try:
            # some slices arrive, then the service fails every request
            emu.reset({"path": "/TraceSummaries", "kind": "http500", "count": -1, "after": 8})
            api_session("api", key_env(work, LC_ALL=None, LANG="ko_KR.UTF-8",
                                       TERM="tmux-256color", AWS_MAX_ATTEMPTS="2"))
            s = wait_for("api", lambda s: "InternalFailure" in (s.split("\n") + [""] * 24)[22],
                         "the API error on the status line", timeout=30)
            lines = s.rstrip("\n").split("\n")
            fits(s, 80, "API error on the status line")
            ok(lines[0].startswith(" xrtop X-Ray us-east-1") and lines[1].startswith("일치 "),
               "API error: the title and the Korean header line", "\n".join(lines[:2]))
            ok(lines[-2].startswith("GetTraceSummaries 2026-11-20T10:") and
               "InternalFailure" in lines[-2] and lines[-1].startswith("Enter 열기"),
               "API error: the status line names the request and the service's error code,"
               " above the Korean footer", "\n".join(lines[-2:]))
            tm.keys("api", "L")
            s = wait_for("api", lambda s: "로그: 메시지" in s and "회 시도 후" in s, "the log")
            fits(s, 80, "API errors in the log")
            ok("InternalFailure: Internal server" in s and "(2회 시도 후)" in s,
               "API errors in the log: AWS's words, then how often it was tried, in Korean", s)
            tm.keys("api", "Q")
            tm.kill("api")

            # a wrong secret stops everything before anything is shown
            emu.reset()
            api_session("bad", key_env(work, secret="not-the-secret", LC_ALL=None,
                                       LANG="ko_KR.UTF-8", TERM="tmux-256color"))
            s = wait_for("bad", lambda s: "힌트:" in s, "the message after the screens close",
                         timeout=30)
            fits(s, 80, "API error printed after the screens close")
            joined = "".join(l for l in s.split("\n"))  # the terminal wraps at 80 columns
            ok("xrtop: GetTraceSummaries: 가져오지 못함 (중단됨)" in s,
               "stopped at once: what was not fetched, in Korean", s)
            ok("xrtop: 힌트: 환경 변수(AWS_ACCESS_KEY_ID)의 보안 액세스 키를 확인하세요" in s,
               "stopped at once: the hint names the credential source in Korean", s)
            ok("The request signature we calculated does not match" in joined,
               "stopped at once: the service's own message stays as AWS sent it", s)
            tm.kill("bad")
        finally:
            emu.stop()
            work.cleanup()
    finally:
        if tm:
            tm.stop()

tap.done()
