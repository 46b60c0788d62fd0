package chatapp.bench;

import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.List;

/** How a benchmark phase drives its clients: paced at a rate, or a fixed window of sends in flight each. */
abstract class Load {

  /** At most this many sends in flight per client when paced: past it the system is behind, not faster. */
  static final int MAX_IN_FLIGHT = 64;

  final List<LoadClient> clients;
  volatile boolean running;

  private Load(List<LoadClient> clients) {
    this.clients = clients;
  }

  abstract void start();

  /**
   * Called when one of {@code client}'s messages came back to it through the whole path, unless
   * its send was refused first: a send is reported once, by this or {@link #refused}.
   */
  void delivered(LoadClient client) {
  }

  /**
   * Called when the gateway refused one of {@code client}'s sends (an error reply), unless the
   * message had already come back: a refused send may still have reached Kafka and be delivered.
   */
  void refused(LoadClient client) {
  }

  /** Called when the server closed {@code client}'s socket. */
  void closed(LoadClient client) {
  }

  /** Messages that were due but not sent yet (held back behind {@code MAX_IN_FLIGHT}); read after {@link #stop()}. */
  long heldBack() {
    return 0;
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
      /** Per client, the due times of the messages it owes and has not sent. */
      private final List<ArrayDeque<Long>> owed = clients.stream().map(c -> new ArrayDeque<Long>()).toList();
      private volatile long heldBack;
      private long timer;

      @Override
      void start() {
        running = true;
        long t0 = System.nanoTime();
        long[] assigned = {0};
        timer = vertx.setPeriodic(tickMs, t -> {
          long due = (long) (rate * (System.nanoTime() - t0) / 1e9);
          for (; running && assigned[0] < due; assigned[0]++) {
            owed.get((int) (assigned[0] % clients.size())).add(t0 + (long) (assigned[0] * 1e9 / rate));
          }
          // A client with MAX_IN_FLIGHT sends unacknowledged keeps what it owes until acks come back:
          // never skipped, the messages leave late and their latency counts from when they were due,
          // the stall included.
          long held = 0;
          for (int i = 0; i < clients.size(); i++) {
            LoadClient c = clients.get(i);
            ArrayDeque<Long> q = owed.get(i);
            while (!q.isEmpty() && c.isOpen() && c.inFlight() < MAX_IN_FLIGHT) {
              c.send(q.poll());
            }
            held += q.size();
          }
          heldBack = held;
        });
      }

      @Override
      long heldBack() {
        return heldBack;
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
   * either would otherwise shrink the window for the rest of the phase. A send frees its slot once:
   * one refused that still comes back is told of only once (see {@link #delivered}).
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
