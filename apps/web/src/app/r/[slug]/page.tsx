import { RequireSecureContext } from '@/client/components/SecureContextNotice';
import { RoomView } from '@/client/room/RoomView';

export default async function RoomPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return (
    <RequireSecureContext what="a call">
      <RoomView slug={slug} />
    </RequireSecureContext>
  );
}
