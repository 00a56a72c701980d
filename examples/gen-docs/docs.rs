//! The man pages and shell completions, generated from the clap definitions
//! so that they cannot drift from the code. `cargo run --example gen-docs`
//! writes them into `man/` and `completions/`; a test includes this file,
//! regenerates them and compares. It lives outside the library, so the
//! shipped binary links neither clap_mangen nor clap_complete.

use clap::CommandFactory;
use clap_complete::Shell;

use rollover::cli::Cli;

/// The command that regenerates the committed files.
pub const REGENERATE: &str = "cargo run --example gen-docs";

/// The shells completions are made for, and their files.
pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "rollover.bash"),
    (Shell::Zsh, "_rollover"),
    (Shell::Fish, "rollover.fish"),
    (Shell::Elvish, "rollover.elv"),
    (Shell::PowerShell, "_rollover.ps1"),
];

/// Every generated file: its path in the repository and its content.
pub fn generated() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("man/rollover.1".to_string(), main_page())];
    for sub in [
        "rotate",
        "reset",
        "status",
        "import-logrotate",
        "cat",
        "follow",
    ] {
        out.push((format!("man/rollover-{sub}.1"), sub_page(sub)));
    }
    out.push(("man/rollover.toml.5".to_string(), config_page()));
    for (shell, file) in SHELLS {
        let mut buf = Vec::new();
        clap_complete::generate(*shell, &mut Cli::command(), "rollover", &mut buf);
        out.push((format!("completions/{file}"), buf));
    }
    out
}

/// rollover.toml(5): the hand-written page with its list of keys made
/// from `rotate`'s options, so that a new setting needs no second text.
fn config_page() -> Vec<u8> {
    let page = include_str!("rollover.toml.5");
    let marker = ".\\\" KEYS: generated from rotate's options, one entry each.\n";
    let mut keys = String::new();
    for arg in rollover::cli::set_command().get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if rollover::conffile::NOT_KEYS.contains(&long) {
            continue;
        }
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| format!("\"{}\"", v.get_name()))
            .collect();
        let value = if !choices.is_empty() {
            choices.join(", ")
        } else if arg.get_action().takes_values() {
            arg.get_value_names()
                .map(|v| v.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        } else {
            "true or false".into()
        };
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        keys.push_str(&format!(
            ".TP\n.BR {} \" ({})\"\n{}\n",
            roff_escape(long),
            roff_escape(&value),
            roff_escape(&help)
        ));
    }
    tidy(&page.replacen(marker, &format!("{marker}{keys}"), 1)).into_bytes()
}

/// Text for roff: hyphens as `\-`, backslashes as `\e`, quotes as `\(dq`, no line starting
/// with a control character.
fn roff_escape(text: &str) -> String {
    let t = text
        .replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('"', "\\(dq");
    match t.chars().next() {
        Some('.' | '\'') => format!("\\&{t}"),
        _ => t,
    }
}

fn render(man: &clap_mangen::Man, with_subcommands: bool, extra: &str, buf: &mut Vec<u8>) {
    // Rendering into a Vec cannot fail.
    let _ = man.render_title(buf);
    let _ = man.render_name_section(buf);
    let _ = man.render_synopsis_section(buf);
    let _ = man.render_description_section(buf);
    let _ = man.render_options_section(buf);
    if with_subcommands {
        let _ = man.render_subcommands_section(buf);
    }
    buf.extend_from_slice(extra.as_bytes());
    let _ = man.render_version_section(buf);
    let tidy = tidy(&String::from_utf8_lossy(buf));
    *buf = tidy.into_bytes();
}

/// Makes clap_mangen's roff lint-clean: no `.br` around blank lines, no
/// trailing blanks, text lines of at most 80 bytes (roff fills them again).
fn tidy(roff: &str) -> String {
    let roff = roff.replace(".br\n\n.br\n", ".sp\n");
    let mut out = String::new();
    let mut filled = true;
    for line in roff.lines() {
        let line = line.trim_end();
        match line {
            ".nf" | ".EX" => filled = false,
            ".fi" | ".EE" => filled = true,
            _ => {}
        }
        if !filled || line.starts_with('.') || line.len() <= 80 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > 80 {
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            } else if word.starts_with('.') || word.starts_with('\'') {
                current.push_str("\\&");
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

fn main_page() -> Vec<u8> {
    // `rollover help` has no page of its own: leave it out of the list of
    // subcommands, so that the page names only pages that exist.
    let man = clap_mangen::Man::new(Cli::command().disable_help_subcommand(true))
        .title("ROLLOVER")
        .date("2026-11-22")
        .manual("rollover manual");
    let mut buf = Vec::new();
    render(&man, true, MAIN_SECTIONS, &mut buf);
    buf
}

fn sub_page(name: &str) -> Vec<u8> {
    let cmd = Cli::command();
    let Some(sub) = cmd.find_subcommand(name) else {
        return Vec::new();
    };
    let details = sub
        .get_after_long_help()
        .map(|h| roff_from_text(&h.to_string()))
        .unwrap_or_default();
    let (page, bin): (&'static str, &'static str) = match name {
        "rotate" => ("rollover-rotate", "rollover rotate"),
        "reset" => ("rollover-reset", "rollover reset"),
        "import-logrotate" => ("rollover-import-logrotate", "rollover import-logrotate"),
        "cat" => ("rollover-cat", "rollover cat"),
        "follow" => ("rollover-follow", "rollover follow"),
        _ => ("rollover-status", "rollover status"),
    };
    let sub = sub
        .clone()
        .name(page)
        .bin_name(bin)
        .version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(sub)
        .title(page.to_uppercase())
        .date("2026-11-22")
        .manual("rollover manual");
    let mut buf = Vec::new();
    let see_also = match name {
        "rotate" | "import-logrotate" => ".BR rollover (1),\n.BR rollover.toml (5)\n",
        _ => ".BR rollover (1)\n",
    };
    let extra = format!(".SH DETAILS\n{details}.SH SEE ALSO\n{see_also}");
    render(&man, false, &extra, &mut buf);
    buf
}

/// Turns help text into roff: blank lines part paragraphs, indented lines
/// are kept as they are, `Heading:` lines become subsections.
fn roff_from_text(text: &str) -> String {
    let mut out = String::new();
    let mut literal = false;
    // Whether a paragraph break is due before the next text.
    let mut para = false;
    for line in text.lines() {
        let mut escaped = line.replace('\\', "\\e").replace('-', "\\-");
        if escaped.starts_with('.') || escaped.starts_with('\'') {
            escaped.insert_str(0, "\\&");
        }
        if line.starts_with("  ") {
            if !literal {
                out.push_str(if para {
                    ".PP\n.nf\n.RS 4\n"
                } else {
                    ".nf\n.RS 4\n"
                });
                literal = true;
            }
            out.push_str(escaped.trim_start());
            out.push('\n');
            para = false;
            continue;
        }
        if literal {
            out.push_str(".RE\n.fi\n");
            literal = false;
            para = true;
        }
        if line.is_empty() {
            para = !out.is_empty();
            continue;
        }
        let heading = line.starts_with(|c: char| c.is_ascii_uppercase())
            && (line.ends_with(':') || line.starts_with("Exit status:"));
        if let Some((head, rest)) = line.split_once(':').filter(|_| heading) {
            out.push_str(&format!(".SS {head}\n"));
            if !rest.trim().is_empty() {
                out.push_str(&format!("{}\n", rest.trim().replace('-', "\\-")));
            }
            para = false;
            continue;
        }
        if para {
            out.push_str(".PP\n");
            para = false;
        }
        out.push_str(&escaped);
        out.push('\n');
    }
    if literal {
        out.push_str(".RE\n.fi\n");
    }
    out
}

/// The sections of `rollover(1)` beyond the options.
const MAIN_SECTIONS: &str = include_str!("sections.roff");
