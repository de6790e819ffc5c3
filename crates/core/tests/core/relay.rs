//! A TCP relay that counts the connections passing through it: each is one
//! TLS handshake between the client and the server behind it, counted by
//! neither of them. (Shared by the tests and the send benchmark.)

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// Relays every connection to `127.0.0.1:port` to `target`.
pub struct Relay {
    pub port: u16,
    connections: Arc<AtomicUsize>,
}

impl Relay {
    /// Starts relaying to `target` on a free loopback port.
    pub fn start(target: SocketAddr) -> io::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = pipe(client, server);
            }
        });
        Ok(Relay { port, connections })
    }

    /// Connections accepted and passed on so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Copies both ways until either side closes.
fn pipe(client: TcpStream, server: TcpStream) -> io::Result<()> {
    // Without this, Nagle's algorithm meeting delayed ACKs holds small
    // writes back some 40 ms: the relay would dominate what it measures.
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (mut client_in, mut server_out) = (client.try_clone()?, server.try_clone()?);
    let (mut server_in, mut client_out) = (server, client);
    thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    thread::spawn(move || {
        let _ = io::copy(&mut server_in, &mut client_out);
        let _ = client_out.shutdown(Shutdown::Write);
    });
    Ok(())
}
