// "Allow notifications on this device" (../push.ts): on asks the browser's permission, subscribes
// and sends the subscription to the server; off removes it. What goes wrong is said in words (a
// browser that cannot reach its push service, a blocked permission, a server without push).
import { useEffect, useState } from "preact/hooks";
import { pushIsOn, turnPushOff, turnPushOn } from "../push";
import { t } from "../strings";
import { ErrorBox, Notice, useRun } from "../ui";

export function PushSwitch() {
  const [on, setOn] = useState<boolean | null>(null);
  const [changed, setChanged] = useState(false);
  const { busy, error, run } = useRun();
  useEffect(() => {
    pushIsOn().then(setOn, () => setOn(false));
  }, []);
  const change = (wanted: boolean) => {
    setChanged(false);
    void run(async () => {
      try {
        await (wanted ? turnPushOn() : turnPushOff());
        setOn(wanted);
        setChanged(true);
      } catch (e) {
        setOn(await pushIsOn().catch(() => false));
        throw e;
      }
    });
  };
  return (
    <section class="apart" aria-labelledby="push-device">
      <h2 id="push-device" class="sr-only">
        {t.pushThisDevice}
      </h2>
      <label class="choice">
        <input type="checkbox" checked={on === true} disabled={on === null || busy} onChange={(e) => change(e.currentTarget.checked)} />
        {t.pushThisDevice}
      </label>
      <p class="hint">{t.pushThisDeviceHint}</p>
      <ErrorBox error={error} />
      {changed && <Notice text={on ? t.pushOn : t.pushOff} />}
    </section>
  );
}
