import {
  AppShell,
  Avatar,
  Burger,
  Button,
  Group,
  Menu,
  NavLink,
  SegmentedControl,
  Select,
  Switch,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { rememberLanguage, useSession } from '../api/session.ts';
import type { Availability, User } from '../api/types.ts';
import { LANGUAGES } from '../i18n/index.ts';
import { setSound, soundOn } from '../inbox/sound.ts';
import { useStream } from '../inbox/stream.ts';
import { markFirstPaint, useFirstPaintDone } from './first-paint.ts';
import { ShortcutsHelp } from './ShortcutsHelp.tsx';

// Dark enough for the white initials on the avatar (WCAG AA 4.5:1; gray.6 and yellow.8 were under 3.5).
const DOT: Record<Availability, string> = { online: '#1e6b30', away: '#8a3c00', offline: 'gray.7' };

/** The header (availability, language, account) and the navigation around every signed-in page. */
export function Shell({ me, children }: { me: User; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const qc = useQueryClient();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const stream = useStream(me);
  // Availability and the sidebar's settings render after the first paint (first-paint.ts); a page
  // without the list opens that gate after its own first paint.
  const painted = useFirstPaintDone();
  useEffect(() => {
    if (!location.pathname.startsWith('/inbox')) markFirstPaint();
  }, [location.pathname]);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened, desktop: false } }} padding={0}>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="sm" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            {/* On a phone the header keeps room for availability: the name goes, "Live" becomes its dot. */}
            <Text fw={700} component="span" visibleFrom="xs">
              {t('app.name')}
            </Text>
            <Text size="xs" c={stream === 'live' ? '#1e6b30' : '#8a3c00'} aria-live="polite" data-testid="stream-state" data-state={stream}>
              {stream === 'live' ? (
                <>
                  <span aria-hidden="true">●</span>
                  <span className="live-word"> {t('inbox.live')}</span>
                </>
              ) : (
                t('inbox.reconnecting')
              )}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {painted && (
              <SegmentedControl
                size="xs"
                aria-label={t('header.availability')}
                value={me.availability}
                onChange={(v) => void session.setAvailability(v as Availability)}
                data={(['online', 'away', 'offline'] as const).map((a) => ({ value: a, label: t(`header.${a}`) }))}
                data-testid="availability"
              />
            )}
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label={t('header.account', { name: me.name })} data-testid="account-menu">
                  <Avatar color={DOT[me.availability]} variant="filled" radius="xl" size="sm">
                    {initials(me.name)}
                  </Avatar>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me.email}</Menu.Label>
                <Menu.Item onClick={() => void session.signOut()} data-testid="sign-out">
                  {t('header.signOut')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.menu')}>
        <NavLink component={Link} to="/inbox" label={t('nav.inbox')} active={location.pathname.startsWith('/inbox')} onClick={close} />
        {me.role === 'admin' && (
          <NavLink
            component={Link}
            to="/settings/users"
            label={t('nav.settings')}
            active={location.pathname.startsWith('/settings')}
            onClick={close}
          />
        )}
        {painted && (
          <div style={{ marginTop: 'auto' }}>
            <Select
              label={t('header.language')}
              size="xs"
              data={LANGUAGES.map((l) => ({ ...l }))}
              value={i18n.resolvedLanguage ?? 'en'}
              onChange={(v) => v && void rememberLanguage(me.id, v).then(() => qc.invalidateQueries({ queryKey: ['me'] }))}
              allowDeselect={false}
              data-testid="language"
            />
            <SoundToggle userId={me.id} />
            <EnableNotifications />
            <ShortcutsHelp />
          </div>
        )}
      </AppShell.Navbar>
      <AppShell.Main id="main" h="100dvh" style={{ display: 'flex', flexDirection: 'column' }}>
        <VisuallyHidden>
          <h1>{t('app.name')}</h1>
        </VisuallyHidden>
        <div style={{ flex: 1, minHeight: 0 }}>{children}</div>
      </AppShell.Main>
    </AppShell>
  );
}

/** The chime for a new customer message for me: off by default, kept per user in this browser. */
function SoundToggle({ userId }: { userId: string }) {
  const { t } = useTranslation();
  const [on, setOn] = useState(() => soundOn(userId));
  return (
    <Switch
      mt="xs"
      size="xs"
      label={t('header.sound')}
      checked={on}
      onChange={(e) => {
        const next = e.currentTarget.checked;
        setSound(userId, next);
        setOn(next);
      }}
      data-testid="sound-toggle"
    />
  );
}

/**
 * Browser notifications need the user's permission, asked for by a click (browsers ignore
 * unprompted requests). The permission is read after the first paint: reading it asks the browser
 * process, which took over 100 ms in the benchmark's busy Chromium.
 */
function EnableNotifications() {
  const { t } = useTranslation();
  const [state, setState] = useState<NotificationPermission | 'unknown'>('unknown');
  useEffect(() => {
    const timer = setTimeout(() => setState('Notification' in window ? Notification.permission : 'denied'), 500);
    return () => clearTimeout(timer);
  }, []);
  if (state !== 'default') return null;
  return (
    <Button variant="subtle" size="xs" mt="xs" fullWidth onClick={() => void Notification.requestPermission().then(setState)}>
      {t('header.enableNotifications')}
    </Button>
  );
}

export function initials(name: string | null | undefined): string {
  return (name ?? '?')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => [...w][0]?.toUpperCase() ?? '')
    .join('');
}
