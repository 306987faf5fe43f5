import { Alert, Button, Center, Paper, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { rememberLanguage, useSession } from '../api/session.ts';
import { LANGUAGES } from '../i18n/index.ts';

export function SignIn() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(email, password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429)
        setError(t('signIn.throttled', { seconds: Number(err.details.retry_after_s ?? 60) }));
      else if (err instanceof ApiError && err.status === 401) setError(t('signIn.failed'));
      else setError(t('app.error', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center component="main" mih="100%" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={380} maw="100%">
        <form onSubmit={submit} aria-labelledby="signin-title">
          <Stack>
            <Title order={1} size="h3" id="signin-title">
              {t('signIn.title')}
            </Title>
            <TextInput
              label={t('signIn.email')}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              name="email"
            />
            <PasswordInput
              label={t('signIn.password')}
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              name="password"
            />
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy}>
              {t('signIn.submit')}
            </Button>
            <Text size="sm" c="gray.7">
              {t('signIn.firstRun')}
            </Text>
            <Select
              label={t('header.language')}
              data={LANGUAGES.map((l) => ({ ...l }))}
              value={i18n.resolvedLanguage ?? 'en'}
              onChange={(v) => v && void rememberLanguage(undefined, v)}
              allowDeselect={false}
            />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
