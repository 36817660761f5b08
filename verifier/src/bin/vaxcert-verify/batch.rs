//! The verify command: every INPUT in order — a pass text, an image file (QR detection bounded
//! by `--image-timeout`), a text file or stdin in batch mode (lines verified in parallel chunks
//! and printed in input order).

use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::Path;
use std::sync::mpsc;

use rayon::prelude::*;
use time::OffsetDateTime;
use verifier::{verify, verify_image_texts, Policy, Reason, TrustContext, Verdict};

use crate::args::VerifyArgs;
use crate::input::{looks_like_image, read_bounded_line, InputSource, Line};
use crate::load::{load_trust_and_policy, read_limited};
use crate::output::Sink;
use crate::{now, EXIT_USAGE};

/// Lines verified together in batch mode (in parallel, printed in input order).
pub(crate) const BATCH_CHUNK: usize = 512;

pub(crate) fn run_verify(a: &VerifyArgs) -> u8 {
    let clock = a.at.unwrap_or_else(now);
    let (ctx, policy) = match load_trust_and_policy(a, clock.unix_timestamp()) {
        Ok(c) => c,
        Err(m) => {
            say_err!("error: {m}");
            return EXIT_USAGE;
        }
    };
    let stdout = io::stdout();
    let ansi = !a.json && stdout.is_terminal();
    let mut sink = Sink::new(io::BufWriter::new(stdout.lock()), a.json, ansi);
    let mut usage_error = false;
    for arg in &a.inputs {
        match InputSource::classify(arg) {
            InputSource::Text(text) => sink.emit(&verify(text, &ctx, &policy, clock)),
            InputSource::Stdin => {
                if let Err(e) = verify_lines(io::stdin(), &ctx, &policy, clock, &mut sink) {
                    say_err!("error: reading standard input: {e}");
                    usage_error = true;
                }
            }
            InputSource::File(path) => {
                let timeout = std::time::Duration::from_secs(a.image_timeout.max(1).unsigned_abs());
                if let Err(m) = verify_file(path, &ctx, &policy, clock, timeout, &mut sink) {
                    say_err!("error: {m}");
                    usage_error = true;
                }
            }
        }
        sink.flush();
    }
    sink.flush();
    if usage_error {
        EXIT_USAGE
    } else {
        sink.worst().exit_code()
    }
}

/// QR codes of an image, found on a worker thread that is abandoned after `timeout`
/// (the decoder cannot be interrupted; an abandoned thread ends with the process).
fn image_texts_bounded(
    bytes: Vec<u8>,
    limits: wallet_format::Limits,
    timeout: std::time::Duration,
) -> Result<Vec<String>, wallet_format::Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("qr-decode".into())
        .spawn(move || {
            // The receiver is gone only when the caller stopped waiting.
            let _ = tx.send(wallet_format::qr::decode_image(&bytes, &limits));
        });
    if spawned.is_err() {
        return Err(wallet_format::Error::ImageInvalid);
    }
    rx.recv_timeout(timeout)
        .unwrap_or(Err(wallet_format::Error::ImageInvalid))
}

fn verify_file<W: Write>(
    path: &Path,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
    image_timeout: std::time::Duration,
    sink: &mut Sink<W>,
) -> Result<(), String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read input {}: {e}", path.display()))?;
    let mut head = [0u8; 8];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(head.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => return Err(format!("cannot read input {}: {e}", path.display())),
        }
    }
    let head = head.get(..filled).unwrap_or_default();
    if looks_like_image(head) {
        let max = ctx.limits.max_image_bytes as u64;
        let bytes = read_limited(path, max, "image").map_err(|m| m.to_string());
        let verdicts = match bytes {
            Ok(b) => verify_image_texts(
                image_texts_bounded(b, ctx.limits, image_timeout),
                ctx,
                policy,
                clock,
            ),
            Err(_) => vec![Verdict::undecoded(Reason::Format(
                wallet_format::Error::InputTooLarge {
                    actual: usize::try_from(std::fs::metadata(path).map_or(0, |m| m.len()))
                        .unwrap_or(usize::MAX),
                    limit: ctx.limits.max_image_bytes,
                },
            ))],
        };
        for v in &verdicts {
            sink.emit(v);
        }
        Ok(())
    } else {
        let reader = io::Cursor::new(head.to_vec()).chain(file);
        verify_lines(reader, ctx, policy, clock, sink)
            .map_err(|e| format!("cannot read input {}: {e}", path.display()))
    }
}

/// Batch mode: text lines from `reader`, verified in chunks on every core, printed in input
/// order. A reader thread feeds a bounded channel, so memory stays constant however long the
/// stream; a chunk is verified as soon as the lines already available are taken (a gate that
/// sends one line at a time gets its answer at once). Blank lines are skipped.
fn verify_lines<R: Read + Send + 'static, W: Write>(
    reader: R,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
    sink: &mut Sink<W>,
) -> io::Result<()> {
    let max_line = ctx.limits.max_text_len;
    let (tx, rx) = mpsc::sync_channel::<io::Result<Line>>(BATCH_CHUNK * 4);
    let producer = std::thread::spawn(move || {
        let mut r = BufReader::with_capacity(64 * 1024, reader);
        loop {
            match read_bounded_line(&mut r, max_line) {
                Ok(Some(line)) => {
                    if tx.send(Ok(line)).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    let mut chunk: Vec<Line> = Vec::with_capacity(BATCH_CHUNK);
    let mut result = Ok(());
    'outer: loop {
        // Block for the first line of a chunk, then take whatever else is ready.
        match rx.recv() {
            Ok(Ok(line)) => chunk.push(line),
            Ok(Err(e)) => {
                result = Err(e);
                break;
            }
            Err(_) => break,
        }
        while chunk.len() < BATCH_CHUNK {
            match rx.try_recv() {
                Ok(Ok(line)) => chunk.push(line),
                Ok(Err(e)) => {
                    result = Err(e);
                    flush_chunk(&mut chunk, ctx, policy, clock, sink);
                    break 'outer;
                }
                Err(_) => break,
            }
        }
        flush_chunk(&mut chunk, ctx, policy, clock, sink);
        if sink.is_broken() {
            break;
        }
    }
    drop(rx);
    let _ = producer.join();
    result
}

fn verify_line(line: &Line, ctx: &TrustContext, policy: &Policy, clock: OffsetDateTime) -> Verdict {
    match line {
        Line::Text(t) => verify(t, ctx, policy, clock),
        Line::TooLong(n) => {
            Verdict::undecoded(Reason::Format(wallet_format::Error::InputTooLarge {
                actual: *n,
                limit: ctx.limits.max_text_len,
            }))
        }
    }
}

fn flush_chunk<W: Write>(
    chunk: &mut Vec<Line>,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
    sink: &mut Sink<W>,
) {
    chunk.retain(|l| !matches!(l, Line::Text(t) if t.trim().is_empty()));
    let verdicts: Vec<Verdict> = chunk
        .par_iter()
        .map(|l| verify_line(l, ctx, policy, clock))
        .collect();
    for v in &verdicts {
        sink.emit(v);
    }
    sink.flush();
    chunk.clear();
}
