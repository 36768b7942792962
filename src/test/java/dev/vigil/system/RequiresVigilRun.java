package dev.vigil.system;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A system test that runs Vigil nodes: skipped, with the reason, while {@code vigil run} is not the daemon yet. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresVigilRun.Condition.class)
@interface RequiresVigilRun {

    /** Asks {@link RunCommandProbe} once per JVM. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String missing = RunCommandProbe.missingReason();
            return missing == null
                    ? ConditionEvaluationResult.enabled("vigil run is available")
                    : ConditionEvaluationResult.disabled(missing);
        }
    }
}
