//! `stackpick chat`: a conversation in the terminal, with follow-ups and a few `/` commands.

use super::*;

/// What a line typed in `chat` asks for.
pub(super) enum ChatLine<'a> {
    Skip,
    Quit,
    Topics,
    Help,
    /// A line that starts with `/` but is no command ("/topcs").
    Unknown(&'a str),
    Question(&'a str),
}

/// The chat's commands, as `/help` and an unknown command list them.
pub(super) const CHAT_COMMANDS: &str = "/topics, /help, /quit";

pub(super) fn chat_line(line: &str) -> ChatLine<'_> {
    match line.trim() {
        "" => ChatLine::Skip,
        "quit" | "exit" | "/quit" | "/exit" => ChatLine::Quit,
        "/topics" | "topics" => ChatLine::Topics,
        "/help" | "help" | "?" => ChatLine::Help,
        q if q.starts_with('/') => ChatLine::Unknown(q.split_whitespace().next().unwrap_or(q)),
        q => ChatLine::Question(q),
    }
}

pub(super) fn chat_help(engine: &Engine) -> String {
    let pack = engine.pack();
    let examples: Vec<String> =
        pack.info.starter_topics.iter().take(4).map(|&t| format!("  - {}", pack.topic(t).title)).collect();
    format!(
        "Ask anything about {}, in your own words: \"which is faster?\", \"best for ML?\".\n\
         /topics lists every topic; /help shows this; Ctrl-D or /quit leaves.\n\
         A question right after an answer may lean on it: \"is that true for the other one too?\"\nFor example:\n{}\n",
        pack.info.scope,
        examples.join("\n")
    )
}

/// Wraps text to `width` columns, keeping the indentation of each line.
pub(super) fn wrap(text: &str, width: Option<usize>) -> String {
    let Some(width) = width else { return text.to_owned() };
    let mut out = String::new();
    for line in text.lines() {
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        let options = textwrap::Options::new(width.max(20)).subsequent_indent(&indent);
        for part in textwrap::wrap(line, options) {
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

pub(super) fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// Answers one chat line; `false` when the session should end.
/// What a chat remembers between lines: the subject of the last answer, so
/// "is that true for the other one too?" is read as a follow-up, as replies are in Discord.
#[derive(Debug, Default)]
pub(super) struct ChatSession {
    subject: Option<String>,
}

pub(super) fn chat_reply(
    engine: &Engine,
    session: &mut ChatSession,
    line: &str,
    width: Option<usize>,
    out: &mut dyn Write,
) -> Result<bool> {
    match chat_line(line) {
        ChatLine::Skip => {}
        ChatLine::Quit => return Ok(false),
        ChatLine::Topics => topics(engine, false, out)?,
        ChatLine::Help => write!(out, "{}", wrap(&chat_help(engine), width))?,
        ChatLine::Unknown(command) => writeln!(
            out,
            "{command} is not a command here; the commands are {CHAT_COMMANDS}. Anything else is a question."
        )?,
        ChatLine::Question(q) => {
            // Every line here could be a follow-up, unlike a Discord reply that
            // chose to be one: only a line that is unanswered, or answered only
            // because it names a contender, borrows the last subject.
            let first = engine.answer(q);
            let answer = if first.answered() && engine.stands_alone(q) {
                first
            } else {
                engine.follow_up(&first, q, session.subject.as_deref()).unwrap_or(first)
            };
            if let Some(subject) = engine.subject(&answer) {
                session.subject = Some(subject);
            }
            write!(out, "{}", wrap(&terminal::render(engine, &answer), width))?
        }
    }
    Ok(true)
}

pub(super) fn chat(engine: &Engine, out: &mut dyn Write) -> Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        // Piped: one answer per line, as a script would want it.
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut buf = Vec::new();
        let mut session = ChatSession::default();
        loop {
            buf.clear();
            if input.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buf);
            if !chat_reply(engine, &mut session, &line, None, out)? {
                break;
            }
        }
        return Ok(());
    }
    writeln!(out, "stackpick chat — ask about {}. /help for help, Ctrl-D to leave.", engine.pack().info.scope)?;
    let mut editor = rustyline::DefaultEditor::new().context("cannot start the line editor")?;
    let mut session = ChatSession::default();
    loop {
        match editor.readline("\nyou> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                writeln!(out)?;
                if !chat_reply(engine, &mut session, &line, terminal_width(), out)? {
                    break;
                }
                out.flush()?;
            }
            // Ctrl-C clears the line, as in a shell.
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => {
                // Leave the shell prompt on a line of its own.
                writeln!(out)?;
                break;
            }
            Err(e) => return Err(e).context("cannot read from the terminal"),
        }
    }
    Ok(())
}
