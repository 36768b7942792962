package dev.vigil.vrrp;

import dev.vigil.config.VrrpScript;

/**
 * The rise/fall policy of one {@code vrrp_script}: it turns OK after {@code rise} consecutive
 * successes and failed after {@code fall} consecutive failures (a timeout is a failure). Starts OK,
 * or failed with {@code init_fail}. Pure; the caller runs the script every {@code interval}.
 */
public final class VrrpScriptStatus {

    private final int rise;
    private final int fall;
    private boolean ok;
    private int streak;

    public VrrpScriptStatus(VrrpScript script) {
        this(script.rise(), script.fall(), script.initFail());
    }

    public VrrpScriptStatus(int rise, int fall, boolean initFail) {
        this.rise = Math.max(1, rise);
        this.fall = Math.max(1, fall);
        this.ok = !initFail;
    }

    /**
     * The status after a reload changed the script's block: the same script keeps its verdict under the new
     * rise and fall; another command starts over.
     */
    public VrrpScriptStatus reconfigured(VrrpScript before, VrrpScript after) {
        if (!before.script().commandLine().equals(after.script().commandLine())
                || !before.script().user().equals(after.script().user())) {
            return new VrrpScriptStatus(after);
        }
        VrrpScriptStatus kept = new VrrpScriptStatus(after.rise(), after.fall(), !ok);
        kept.streak = streak;
        return kept;
    }

    /** Records one run (exit 0 = success); returns true if OK/failed flipped. */
    public boolean record(boolean success) {
        if (success == ok) {
            streak = 0;
            return false;
        }
        streak++;
        if (streak >= (success ? rise : fall)) {
            ok = success;
            streak = 0;
            return true;
        }
        return false;
    }

    public boolean ok() {
        return ok;
    }
}
