package chatapp.cluster;

import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Counter;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster manager of a chat node: Hazelcast's, except that the event bus's registrations reach
 * the cluster once per address per node, not once per consumer.
 *
 * <p>Why: the socket bridges register one event-bus consumer per socket per room, and Vert.x shares
 * every consumer that is not local-only with the whole cluster (one entry in Hazelcast's
 * {@code __vertx.subs} map, one event to every member). A user opening a tab then costs a
 * cluster-wide write, and a reconnect storm becomes a storm of them: the churn that brought a
 * production cluster down in vert.x issue 3797. The node only needs the cluster to know that it
 * wants an address's messages; which of its sockets do is its own business. So the first consumer
 * of an address on this node is shared, later ones are counted, and the registration leaves the
 * cluster with the last one: cluster registrations grow with nodes times addresses, not sockets.
 *
 * <p>Delivery is unchanged: a publish goes once to each node that has the address, and that node
 * hands it to all its consumers; a point-to-point send picks a node, then one of its consumers
 * (nodes now weigh the same whatever their consumer count). Local-only consumers never leave the
 * node and pass straight through.
 */
final class OnePerNodeRegistrations implements ClusterManager {

  /** This node's consumers of one address, and the one registration the cluster knows of them. */
  private static final class Shared {
    final RegistrationInfo registration;
    final Future<Void> added;
    int consumers = 1;

    Shared(RegistrationInfo registration, Future<Void> added) {
      this.registration = registration;
      this.added = added;
    }
  }

  private final ClusterManager delegate;
  private final Map<String, Shared> shared = new HashMap<>();
  /** Which shared registration each consumer counts in, so that it is taken off the right one. */
  private final Map<RegistrationInfo, Shared> joined = new HashMap<>();

  OnePerNodeRegistrations(ClusterManager delegate) {
    this.delegate = delegate;
  }

  @Override
  public void addRegistration(String address, RegistrationInfo registration, Completable<Void> promise) {
    if (registration.localOnly()) {
      delegate.addRegistration(address, registration, promise);
      return;
    }
    Promise<Void> added = null;
    Shared entry;
    synchronized (shared) {
      entry = shared.get(address);
      if (entry == null) {
        added = Promise.promise();
        entry = new Shared(registration, added.future());
        shared.put(address, entry);
      } else {
        entry.consumers++;
      }
      joined.put(registration, entry);
    }
    if (added != null) {
      Shared first = entry;
      added.future().onFailure(e -> {
        synchronized (shared) {
          shared.remove(address, first); // the next consumer tries again
        }
      });
      delegate.addRegistration(address, registration, added);
    }
    // A later consumer is live once the node's registration is: not before, or it could miss messages.
    entry.added.onComplete(promise);
  }

  @Override
  public void removeRegistration(String address, RegistrationInfo registration, Completable<Void> promise) {
    if (registration.localOnly()) {
      delegate.removeRegistration(address, registration, promise);
      return;
    }
    Shared last = null;
    synchronized (shared) {
      Shared entry = joined.remove(registration);
      if (entry != null && --entry.consumers == 0) {
        shared.remove(address, entry);
        last = entry;
      }
    }
    if (last == null) {
      promise.succeed(); // other consumers of this node still need the address
      return;
    }
    // Never let the removal overtake the addition it undoes.
    RegistrationInfo registered = last.registration;
    last.added.onComplete((v, addFailure) -> {
      if (addFailure != null) {
        promise.succeed(); // nothing reached the cluster, nothing to take back
      } else {
        delegate.removeRegistration(address, registered, promise);
      }
    });
  }

  @Override
  public void init(Vertx vertx) {
    delegate.init(vertx);
  }

  @Override
  public <K, V> void getAsyncMap(String name, Completable<AsyncMap<K, V>> promise) {
    delegate.getAsyncMap(name, promise);
  }

  @Override
  public <K, V> Map<K, V> getSyncMap(String name) {
    return delegate.getSyncMap(name);
  }

  @Override
  public void getLockWithTimeout(String name, long timeout, Completable<Lock> promise) {
    delegate.getLockWithTimeout(name, timeout, promise);
  }

  @Override
  public void getCounter(String name, Completable<Counter> promise) {
    delegate.getCounter(name, promise);
  }

  @Override
  public void nodeListener(NodeListener listener) {
    delegate.nodeListener(listener);
  }

  @Override
  public void setNodeInfo(NodeInfo nodeInfo, Completable<Void> promise) {
    delegate.setNodeInfo(nodeInfo, promise);
  }

  @Override
  public void join(Completable<Void> promise) {
    delegate.join(promise);
  }

  @Override
  public void leave(Completable<Void> promise) {
    delegate.leave(promise);
  }

  @Override
  public boolean isActive() {
    return delegate.isActive();
  }

  @Override
  public void registrationListener(RegistrationListener registrationListener) {
    delegate.registrationListener(registrationListener);
  }

  @Override
  public String clusterHost() {
    return delegate.clusterHost();
  }

  @Override
  public String clusterPublicHost() {
    return delegate.clusterPublicHost();
  }

  @Override
  public String getNodeId() {
    return delegate.getNodeId();
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    delegate.getRegistrations(address, promise);
  }

  @Override
  public NodeInfo getNodeInfo() {
    return delegate.getNodeInfo();
  }

  @Override
  public void getNodeInfo(String nodeId, Completable<NodeInfo> promise) {
    delegate.getNodeInfo(nodeId, promise);
  }

  @Override
  public List<String> getNodes() {
    return delegate.getNodes();
  }
}
