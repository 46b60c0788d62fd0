package chatapp.bench;

import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** How a benchmark phase drives its clients: paced at a rate, or a fixed window of sends in flight each. */
abstract class Load {

  /** At most this many sends in flight per client when paced: past it the system is behind, not faster. */
  private static final int MAX_IN_FLIGHT = 64;

  final List<LoadClient> clients;
  volatile boolean running;

  private Load(List<LoadClient> clients) {
    this.clients = clients;
  }

  abstract void start();

  /** Called when one of {@code client}'s messages came back to it through the whole path. */
  void delivered(LoadClient client) {
  }

  /** Called when the gateway refused one of {@code client}'s sends (an error reply). */
  void refused(LoadClient client) {
  }

  /** Called when the server closed {@code client}'s socket. */
  void closed(LoadClient client) {
  }

  void stop() {
    running = false;
  }

  /**
   * Every {@code tickMs}, sends what the rate owes since the start, round-robin over the clients.
   * The sends of a tick leave together, a burst a hundred independent users would not make: keep
   * the tick short. Each message's latency counts from when the rate was due to send it, not from
   * when the timer got round to it: the timer runs in the JVM under load, and a message held up
   * by its pause would otherwise not count the pause (coordinated omission).
   */
  static Load paced(Vertx vertx, List<LoadClient> clients, double rate, long tickMs) {
    return new Load(clients) {
      private long timer;

      @Override
      void start() {
        running = true;
        long t0 = System.nanoTime();
        AtomicLong sent = new AtomicLong();
        timer = vertx.setPeriodic(tickMs, t -> {
          long due = (long) (rate * (System.nanoTime() - t0) / 1e9);
          int i = (int) (sent.get() % clients.size());
          while (running && sent.get() < due) {
            LoadClient c = clients.get(i);
            if (c.inFlight() < MAX_IN_FLIGHT) {
              c.send(t0 + (long) (sent.get() * 1e9 / rate));
            }
            sent.incrementAndGet();
            i = (i + 1) % clients.size();
          }
        });
      }

      @Override
      void stop() {
        super.stop();
        vertx.cancelTimer(timer);
      }
    };
  }

  /**
   * Each client keeps {@code window} messages between its send and their delivery back to itself:
   * a closed loop over the whole path, so the rate is what Kafka, the store and the fan-out sustain
   * together (a loop on the ack alone would only fill Kafka faster than the store drains it).
   * A refused send frees its slot too, and a closed socket's window moves to the next open client:
   * either would otherwise shrink the window for the rest of the phase.
   */
  static Load windowed(List<LoadClient> clients, int window) {
    return new Load(clients) {
      @Override
      void start() {
        running = true;
        for (LoadClient c : clients) {
          for (int i = 0; i < window; i++) {
            c.send(System.nanoTime());
          }
        }
      }

      @Override
      void delivered(LoadClient client) {
        if (running && client.isOpen()) {
          client.send(System.nanoTime());
        }
      }

      @Override
      void refused(LoadClient client) {
        delivered(client);
      }

      @Override
      void closed(LoadClient client) {
        int at = clients.indexOf(client);
        for (int k = 1; running && k < clients.size(); k++) {
          LoadClient next = clients.get((at + k) % clients.size());
          if (next.isOpen()) {
            for (int i = 0; i < window; i++) {
              next.send(System.nanoTime());
            }
            return;
          }
        }
      }
    };
  }
}
