package io.drover.control.workload;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of a controller entity that persists nothing and syncs its object in rounds (Deployment, CronJob): a
 * poke starts a round; pokes during a round make exactly one more round after it.
 */
final class SyncRounds<C> {
  private static final Logger log = LoggerFactory.getLogger(SyncRounds.class);

  private final ActorContext<C> ctx;
  private final Class<C> commands;
  private final C poke;
  private final C done;
  private final Supplier<CompletionStage<?>> sync;
  private final String what;

  /**
   * @param poke the command that asks for a round; @param done the command this loop sends itself when a round
   *     ended (of a type of its own); @param what names the object in the debug log of a failed round
   */
  SyncRounds(ActorContext<C> ctx, Class<C> commands, C poke, C done, Supplier<CompletionStage<?>> sync, String what) {
    this.ctx = ctx;
    this.commands = commands;
    this.poke = poke;
    this.done = done;
    this.sync = sync;
    this.what = what;
  }

  @SuppressWarnings("unchecked")
  private <M extends C> Class<M> typeOf(C message) {
    return (Class<M>) message.getClass();
  }

  Behavior<C> idle() {
    return Behaviors.receive(commands)
        .onMessage(typeOf(poke), p -> {
          ctx.pipeToSelf(sync.get(), (ok, error) -> {
            if (error != null) log.debug("{}: {}", what, error.toString());
            return done;
          });
          return busy(false);
        })
        .onMessage(typeOf(done), d -> Behaviors.same())
        .build();
  }

  private Behavior<C> busy(boolean again) {
    return Behaviors.receive(commands)
        .onMessage(typeOf(poke), p -> busy(true))
        .onMessage(typeOf(done), d -> {
          if (again) ctx.getSelf().tell(poke);
          return idle();
        })
        .build();
  }
}
