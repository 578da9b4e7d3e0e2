//! Command-line parsing: a handful of subcommands and flags, no framework.

use std::fmt;

/// Which adapter runs the connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// sockeye-std: a thread per connection.
    Std,
    /// sockeye-tokio (the default).
    Tokio,
    /// sockeye-async-std.
    AsyncStd,
}

impl Runtime {
    fn parse(s: &str) -> Result<Self, UsageError> {
        match s {
            "std" => Ok(Runtime::Std),
            "tokio" => Ok(Runtime::Tokio),
            "async-std" => Ok(Runtime::AsyncStd),
            other => Err(UsageError(format!(
                "unknown runtime {other:?}: use std, tokio or async-std"
            ))),
        }
    }
}

/// `sockeye serve` options.
#[derive(Clone, Debug)]
pub struct Serve {
    pub host: String,
    pub port: u16,
    pub runtime: Runtime,
    pub threads: usize,
    pub max_message_size: Option<usize>,
    /// Accept permessage-deflate (off by default, as in ws).
    pub deflate: bool,
}

/// `sockeye connect` options.
#[derive(Clone, Debug)]
pub struct Connect {
    pub url: String,
    pub protocols: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub origin: Option<String>,
    /// `--proxy URL` (else the environment's HTTPS_PROXY, ALL_PROXY...).
    pub proxy: Option<String>,
    /// `--ca FILE`: trust the PEM certificates in FILE instead of Mozilla's roots.
    pub ca: Option<String>,
    /// `--follow-redirects`.
    pub follow_redirects: bool,
}

/// `sockeye autobahn-client` options.
#[derive(Clone, Debug)]
pub struct Autobahn {
    pub url: String,
    pub agent: String,
    pub runtime: Runtime,
}

/// What to do.
#[derive(Clone, Debug)]
pub enum Command {
    Serve(Serve),
    Connect(Connect),
    Autobahn(Autobahn),
    Help,
    Version,
}

/// The command line is wrong; the text says how.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const USAGE: &str = "\
sockeye — WebSocket echo/chat server, client and Autobahn testee

USAGE:
    sockeye serve [--host HOST] [--port PORT] [--runtime std|tokio|async-std]
                  [--threads N] [--max-message-size BYTES] [--deflate]
        Echo server on every path, a chat room on /chat, and a chat page at
        http://HOST:PORT/ (default 127.0.0.1:8080, tokio runtime).
        --threads sets tokio's worker threads (std runs a thread per
        connection, async-std its own pool).
        --deflate accepts permessage-deflate (compression; off by default).
    sockeye connect URL [--protocol NAME]... [--header 'Name: value']... [--origin ORIGIN]
                    [--proxy URL] [--ca FILE] [--follow-redirects]
        URL is ws://, wss:// or ws+unix:/path/to/socket[:/request/path].
        --proxy http://[user:pass@]host:port or socks5://[user:pass@]host:port
        (default: the HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY environment);
        --ca FILE trusts the PEM certificates in FILE for wss://.
        Interactive client: lines from stdin are sent as text. Commands:
        /ping [text], /pong [text], /binary <text>, /close [code] [reason], /quit
    sockeye autobahn-client URL [--agent NAME] [--runtime std|tokio|async-std]
        Runs every case of an Autobahn fuzzingserver at URL.
    sockeye --help | --version
";

struct Args {
    items: std::vec::IntoIter<String>,
}

impl Args {
    fn value(&mut self, flag: &str) -> Result<String, UsageError> {
        self.items
            .next()
            .ok_or_else(|| UsageError(format!("{flag} needs a value")))
    }

    fn number<T: std::str::FromStr>(&mut self, flag: &str) -> Result<T, UsageError> {
        let v = self.value(flag)?;
        v.parse()
            .map_err(|_| UsageError(format!("{flag} takes a number, not {v:?}")))
    }
}

/// Parses the arguments after the program name.
pub fn parse(argv: Vec<String>) -> Result<Command, UsageError> {
    let mut args = Args {
        items: argv.into_iter(),
    };
    let Some(sub) = args.items.next() else {
        return Ok(Command::Help);
    };
    match sub.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "-V" | "--version" => Ok(Command::Version),
        "serve" => {
            let mut s = Serve {
                host: "127.0.0.1".into(),
                port: 8080,
                runtime: Runtime::Tokio,
                threads: 0,
                max_message_size: None,
                deflate: false,
            };
            while let Some(flag) = args.items.next() {
                match flag.as_str() {
                    "--host" => s.host = args.value("--host")?,
                    "--port" => s.port = args.number("--port")?,
                    "--runtime" => s.runtime = Runtime::parse(&args.value("--runtime")?)?,
                    "--threads" => s.threads = args.number("--threads")?,
                    "--max-message-size" => {
                        s.max_message_size = Some(args.number("--max-message-size")?)
                    }
                    "--deflate" => s.deflate = true,
                    other => return Err(UsageError(format!("unknown option {other:?} for serve"))),
                }
            }
            Ok(Command::Serve(s))
        }
        "connect" => {
            let mut url = None;
            let mut c = Connect {
                url: String::new(),
                protocols: Vec::new(),
                headers: Vec::new(),
                origin: None,
                proxy: None,
                ca: None,
                follow_redirects: false,
            };
            while let Some(arg) = args.items.next() {
                match arg.as_str() {
                    "--protocol" => c.protocols.push(args.value("--protocol")?),
                    "--origin" => c.origin = Some(args.value("--origin")?),
                    "--proxy" => c.proxy = Some(args.value("--proxy")?),
                    "--ca" => c.ca = Some(args.value("--ca")?),
                    "--follow-redirects" => c.follow_redirects = true,
                    "--header" => {
                        let h = args.value("--header")?;
                        let (name, value) = h.split_once(':').ok_or_else(|| {
                            UsageError(format!("--header takes 'Name: value', not {h:?}"))
                        })?;
                        c.headers.push((name.trim().into(), value.trim().into()));
                    }
                    other if other.starts_with("--") => {
                        return Err(UsageError(format!("unknown option {other:?} for connect")))
                    }
                    other if url.is_none() => url = Some(other.to_string()),
                    other => return Err(UsageError(format!("unexpected argument {other:?}"))),
                }
            }
            c.url = url.ok_or_else(|| {
                UsageError("connect needs a URL, e.g. ws://127.0.0.1:8080/".into())
            })?;
            Ok(Command::Connect(c))
        }
        "autobahn-client" => {
            let mut url = None;
            let mut a = Autobahn {
                url: String::new(),
                agent: "sockeye".into(),
                runtime: Runtime::Tokio,
            };
            while let Some(arg) = args.items.next() {
                match arg.as_str() {
                    "--agent" => a.agent = args.value("--agent")?,
                    "--runtime" => a.runtime = Runtime::parse(&args.value("--runtime")?)?,
                    other if other.starts_with("--") => {
                        return Err(UsageError(format!(
                            "unknown option {other:?} for autobahn-client"
                        )))
                    }
                    other if url.is_none() => url = Some(other.to_string()),
                    other => return Err(UsageError(format!("unexpected argument {other:?}"))),
                }
            }
            a.url = url
                .ok_or_else(|| UsageError("autobahn-client needs the fuzzingserver URL".into()))?;
            Ok(Command::Autobahn(a))
        }
        other => Err(UsageError(format!("unknown command {other:?}; try --help"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn serve_defaults_and_flags() {
        let Command::Serve(s) = parse(argv("serve")).unwrap() else {
            panic!()
        };
        assert_eq!(
            (s.host.as_str(), s.port, s.runtime, s.threads),
            ("127.0.0.1", 8080, Runtime::Tokio, 0)
        );
        assert!(!s.deflate);
        let Command::Serve(s) = parse(argv(
            "serve --host 0.0.0.0 --port 9001 --runtime std --threads 1 --max-message-size 100 --deflate",
        ))
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (s.port, s.runtime, s.threads, s.max_message_size, s.deflate),
            (9001, Runtime::Std, 1, Some(100), true)
        );
    }

    #[test]
    fn errors_are_explained() {
        assert!(parse(argv("serve --port x"))
            .unwrap_err()
            .0
            .contains("number"));
        assert!(parse(argv("serve --runtime go"))
            .unwrap_err()
            .0
            .contains("std, tokio or async-std"));
        assert!(parse(argv("connect")).unwrap_err().0.contains("URL"));
        assert!(parse(argv("frobnicate")).is_err());
    }

    #[test]
    fn connect_and_autobahn() {
        let Command::Connect(c) =
            parse(argv("connect ws://x/ --protocol a --header X-A:1")).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (c.url.as_str(), c.protocols.len(), c.headers[0].1.as_str()),
            ("ws://x/", 1, "1")
        );
        let Command::Autobahn(a) = parse(argv(
            "autobahn-client ws://127.0.0.1:9001 --agent x --runtime async-std",
        ))
        .unwrap() else {
            panic!()
        };
        assert_eq!((a.agent.as_str(), a.runtime), ("x", Runtime::AsyncStd));
    }
}
